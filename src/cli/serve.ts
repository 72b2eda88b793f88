// `keyguard serve`: runs the admin REST API on Redis; on first run creates an admin key and prints it once.

import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { type Command, InvalidArgumentError } from 'commander'
import express from 'express'
import { adminRouter } from '../admin'
import { dashboardBuilt } from '../dashboard'
import { ensureAdminKey } from '../keys'
import { CliError, connect, disconnect, EXIT, globalOptions, recordAudit, safeUrl } from './context'
import { metricsRoute, stderrLogger } from './serve-extras'

function port(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)')
  }
  return Number(value)
}

function basePath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError('must start with "/", e.g. /admin')
  return value
}

/** Express `trust proxy`: true/false, a hop count, or addresses/subnets (e.g. loopback). */
function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true'
  return /^\d+$/.test(value) ? Number(value) : value
}

interface ServeFlags {
  port?: number
  host?: string
  basePath?: string
  trustProxy?: boolean | number | string
  metrics: boolean
  dashboard: boolean
  quotaStatus?: 401 | 429
}

function quotaStatus(value: string): 401 | 429 {
  if (value === '401' || value === '429') return Number(value) as 401 | 429
  throw new InvalidArgumentError('must be 401 (as Limitly) or 429 (as API gateways)')
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the admin REST API; creates an admin key on first run')
    .option('--port <port>', 'port to listen on (0: any free port). Defaults to 3000', port)
    .option('--host <host>', 'address to listen on. Defaults to every interface')
    .option(
      '--base-path <path>',
      'where the API is mounted, e.g. /admin or /functions/v1. Defaults to /',
      basePath,
    )
    .option(
      '--trust-proxy <value>',
      "Express 'trust proxy' (true, a hop count, loopback…) so logged IPs are the clients'. Defaults to off",
      trustProxy,
    )
    .option(
      '--quota-status <status>',
      'status of QUOTA_EXCEEDED answers: 401 or 429. Defaults to 401',
      quotaStatus,
    )
    .option(
      '--no-metrics',
      'do not serve Prometheus metrics at /metrics. Defaults to serving them when prom-client is installed',
    )
    .option(
      '--no-dashboard',
      'do not serve the web dashboard at <base path>/ui. Defaults to serving it',
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const o = { ...flags, port: flags.port ?? 3000, basePath: flags.basePath ?? '/' }
      const options = globalOptions(cmd)
      const conn = await connect(options, true)
      let admin: Awaited<ReturnType<typeof ensureAdminKey>>
      try {
        admin = await ensureAdminKey(conn.keys)
      } catch (error) {
        await disconnect(conn)
        throw error
      }
      // The first admin key is an admin action like any other: recorded, without its secret.
      if (admin) {
        const created = admin
        await recordAudit(conn, (audit, actor) => audit.keyCreated(actor, created))
      }

      const app = express()
      app.disable('x-powered-by')
      if (o.trustProxy !== undefined) app.set('trust proxy', o.trustProxy)
      app.get('/health', (_req, res) => {
        res.json({ ok: true })
      })
      const metrics = o.metrics ? metricsRoute() : null
      if (metrics) app.get('/metrics', metrics)
      app.use(
        o.basePath,
        adminRouter({
          store: conn.store,
          prefix: options.tokenPrefix,
          logger: stderrLogger,
          guard: { quotaExceededStatus: o.quotaStatus ?? 401 },
          dashboard: o.dashboard,
        }),
      )

      const server = o.host === undefined ? app.listen(o.port) : app.listen(o.port, o.host)
      try {
        await Promise.race([
          once(server, 'listening'),
          once(server, 'error').then(([error]) => Promise.reject(error)),
        ])
      } catch (error) {
        await disconnect(conn)
        throw new CliError(
          `cannot listen on port ${o.port}: ${(error as Error).message}`,
          EXIT.failure,
        )
      }
      const address = server.address() as AddressInfo
      const base = o.basePath.endsWith('/') ? o.basePath : `${o.basePath}/`
      const url = `http://${o.host ?? 'localhost'}:${address.port}${base}`
      const root = `http://${o.host ?? 'localhost'}:${address.port}/`
      const metricsUrl = metrics ? `${root}metrics` : null
      const dashboardUrl = o.dashboard ? `${url}ui/` : null
      if (options.json) {
        const info = { url, metrics: metricsUrl, dashboard: dashboardUrl, admin_key: admin }
        process.stdout.write(`${JSON.stringify(info)}\n`)
      } else {
        process.stdout.write(
          `keyguard admin API on ${url} (Redis ${safeUrl(options.redisUrl)}, prefix ${options.prefix})\n`,
        )
        if (metricsUrl) process.stdout.write(`Prometheus metrics on ${metricsUrl}\n`)
        else if (o.metrics) process.stdout.write('No /metrics: install prom-client to serve them\n')
        if (dashboardUrl) {
          const note = dashboardBuilt() ? '' : ' (not built: run `npm run build` in the package)'
          process.stdout.write(`dashboard: ${dashboardUrl}${note}\n`)
        }
        if (admin) {
          process.stdout.write(
            'No admin key existed, so one was created. It is shown only this once; keep it:\n\n' +
              `  ${admin.api_key}\n\n` +
              `  curl -H "Authorization: Bearer ${admin.api_key}" ${url}keys\n\n`,
          )
        }
      }

      const stop = (): void => {
        const force = setTimeout(() => process.exit(0), 5000)
        force.unref()
        server.close(() => {
          void disconnect(conn).finally(() => process.exit(0))
        })
        server.closeAllConnections()
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
