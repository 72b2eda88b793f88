// ip-block: the folder's public face; other folders import from here only.

export * from './failure-counts'
export * from './ip-blocker'
export * from './ip-group'
export * from './options'
export * from './registry'
export * from './shared-caps'
