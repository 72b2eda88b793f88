// The logger keyguard writes to: pino-compatible, silent unless you pass one.

/** A pino-compatible logger (pino, bunyan-style or `console` all fit): `(object, message)`. */
export interface Logger {
  error(object: object, message?: string): void
  warn(object: object, message?: string): void
  info?(object: object, message?: string): void
  debug?(object: object, message?: string): void
}

const nothing = (): void => {}

/** The default: keyguard never writes to the console on its own. */
export const SILENT_LOGGER: Logger = Object.freeze({
  error: nothing,
  warn: nothing,
  info: nothing,
  debug: nothing,
})

/** Whether a value can serve as a logger (checked once, at creation). */
export const isLogger = (value: unknown): value is Logger =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Logger).error === 'function' &&
  typeof (value as Logger).warn === 'function'
