// keys: the folder's public face; other folders import from here only.

export * from './bootstrap'
export * from './client-tokens'
export * from './key-manager'
export * from './plan-manager'
export * from './schemas'
