// request-log: the folder's public face; other folders import from here only.

export * from './request-logger'
