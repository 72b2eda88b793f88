// `keyguard serve`: runs the admin REST API on Redis; on first run creates an admin key and prints it once.

import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { type Command, InvalidArgumentError } from 'commander'
import express from 'express'
import { adminRouter } from '../admin'
import { ensureAdminKey } from '../keys'
import { CliError, connect, disconnect, EXIT, globalOptions, safeUrl } from './context'

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
  port: number
  host?: string
  basePath: string
  trustProxy?: boolean | number | string
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the admin REST API; creates an admin key on first run')
    .option('--port <port>', 'port to listen on (0: any free port)', port, 3000)
    .option('--host <host>', 'address to listen on (default: every interface)')
    .option(
      '--base-path <path>',
      'where the API is mounted, e.g. /admin or /functions/v1',
      basePath,
      '/',
    )
    .option(
      '--trust-proxy <value>',
      "Express 'trust proxy' (true, a hop count, loopback…) so logged IPs are the clients'",
      trustProxy,
    )
    .action(async (o: ServeFlags, cmd: Command) => {
      const options = globalOptions(cmd)
      const conn = await connect(options, true)
      let admin: Awaited<ReturnType<typeof ensureAdminKey>>
      try {
        admin = await ensureAdminKey(conn.keys)
      } catch (error) {
        await disconnect(conn)
        throw error
      }

      const app = express()
      app.disable('x-powered-by')
      if (o.trustProxy !== undefined) app.set('trust proxy', o.trustProxy)
      app.get('/health', (_req, res) => {
        res.json({ ok: true })
      })
      app.use(o.basePath, adminRouter({ store: conn.store, prefix: options.tokenPrefix }))

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
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ url, admin_key: admin })}\n`)
      } else {
        process.stdout.write(
          `keyguard admin API on ${url} (Redis ${safeUrl(options.redisUrl)}, prefix ${options.prefix})\n`,
        )
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
