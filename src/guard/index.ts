// guard: the folder's public face; other folders import from here only.

export * from './answers'
export * from './api-key-property'
export * from './core'
export * from './credentials'
export * from './middleware'
export * from './options'
export * from './rate-limit-headers'
export * from './refusal'
export * from './request-tracking'
export * from './verifier'
