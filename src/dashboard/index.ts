// dashboard: the folder's public face; other folders import from here only.

export * from './assets-dir'
export * from './headers'
export * from './static-router'
