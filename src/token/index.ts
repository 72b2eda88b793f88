// token: the folder's public face; other folders import from here only.

export * from './base62'
export * from './crc32'
export * from './derived-id'
export * from './format'
export * from './scopes'
