// guard: the folder's public face; other folders import from here only.

export * from './middleware'
export * from './options'
