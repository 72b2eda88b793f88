// What `keyguard serve` adds around the admin API: a logger on stderr, and Prometheus metrics when prom-client is installed.

import type { RequestHandler } from 'express'
import type { Logger } from '../telemetry'

/** One JSON line per entry on stderr: an operator's process, unlike the library, may log. */
export const stderrLogger: Logger = {
  error: (fields, message) => writeLine('error', fields, message),
  warn: (fields, message) => writeLine('warn', fields, message),
}

function writeLine(level: string, fields: object, message: string | undefined): void {
  const plain: Record<string, unknown> = { level, time: new Date().toISOString(), msg: message }
  for (const [name, value] of Object.entries(fields)) {
    plain[name] = value instanceof Error ? { message: value.message, name: value.name } : value
  }
  process.stderr.write(`${JSON.stringify(plain)}\n`)
}

/** GET /metrics, or null when prom-client (an optional peer dependency) is not installed. */
export function metricsRoute(): RequestHandler | null {
  try {
    require.resolve('prom-client')
  } catch {
    return null
  }
  // Loaded only now: the CLI runs without prom-client.
  const { metricsHandler } = require('../metrics') as typeof import('../metrics')
  const handler = metricsHandler()
  return (req, res) => handler(req, res)
}
