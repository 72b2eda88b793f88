// limits: the folder's public face; other folders import from here only.

export * from './effective'
export * from './gcra'
export * from './periods'
export * from './request-period'
