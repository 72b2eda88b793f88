// admin: the folder's public face; other folders import from here only.

export * from './openapi'
export * from './options'
export * from './router'
