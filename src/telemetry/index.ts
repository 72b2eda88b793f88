// telemetry: the folder's public face; other folders import from here only.

export * from './events'
export * from './logger'
export * from './tracing'
