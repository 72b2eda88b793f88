// cli: the folder's public face; the `keyguard` binary itself is main.ts.

export { buildProgram } from './main'
