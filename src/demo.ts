// `npm start`: a small API with one protected route, the admin API, a demo plan and fresh keys printed as curl.

import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import express from 'express'
import { adminRouter } from './admin'
import { AuditLog } from './audit'
import { apiKeyGuard } from './guard'
import { ensureAdminKey, KeyManager } from './keys'
import { defaultStore } from './store'

const USAGE = 'usage: npm start -- [--quota-status 401|429]'

/** `--quota-status 429`: QUOTA_EXCEEDED as API gateways answer it. Defaults to 401, as Limitly. */
function quotaStatus(argv: string[]): 401 | 429 {
  let value: string | undefined
  try {
    value = parseArgs({ args: argv, options: { 'quota-status': { type: 'string' } } }).values[
      'quota-status'
    ]
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`)
  }
  if (value === undefined || value === '401') return 401
  if (value === '429') return 429
  throw new Error(`--quota-status must be 401 or 429, not "${value}"\n${USAGE}`)
}

async function main(quotaExceededStatus: 401 | 429): Promise<void> {
  const store = defaultStore()
  const keys = new KeyManager(store)
  const plan = await keys.plans.get('demo').catch(() => null)
  if (!plan) {
    await keys.plans.create({
      id: 'demo',
      name: 'Demo',
      rate: { per_second: 5, burst: 10, per_minute: 100 },
      quotas: { daily: 1000 },
    })
  }
  const { data } = await keys.create({ name: 'Demo key', user_id: 'demo-user', plan_id: 'demo' })
  const admin = await ensureAdminKey(keys)
  // The first admin key is an admin action like any other: recorded, without its secret.
  if (admin) await new AuditLog(store).keyCreated({ id: 'demo', ip: null }, admin)

  const app = express()
  app.get('/v1/hello', apiKeyGuard({ store, quotaExceededStatus }), (req, res) => {
    res.json({ message: `Hello, ${req.apiKey?.name}`, key_id: req.apiKey?.id })
  })
  app.use('/admin', adminRouter({ store, guard: { quotaExceededStatus }, dashboard: true }))
  app.get('/health', (_req, res) => res.json({ ok: true }))

  const server = app.listen(Number(process.env.PORT ?? 3000), () => {
    const port = (server.address() as AddressInfo).port // the real one when PORT=0
    const where = process.env.REDIS_URL
      ? `Redis at ${process.env.REDIS_URL}`
      : 'the embedded MemoryStore'
    console.log(`keyguard demo listening on http://localhost:${port} (keys in ${where})`)
    console.log('A fresh key (shown once), on plan "demo": 5/s, burst 10, 100/min, 1000/day:')
    console.log(
      `\n  curl -i -H "Authorization: Bearer ${data.api_key}" http://localhost:${port}/v1/hello\n`,
    )
    if (admin) {
      console.log('No admin key existed, so one was created (shown once; keep it). The admin API:')
      console.log(
        `\n  curl -H "Authorization: Bearer ${admin.api_key}" http://localhost:${port}/admin/keys\n`,
      )
    }
    console.log(`dashboard (sign in with an admin key): http://localhost:${port}/admin/ui/`)
  })
  const stop = () => server.close(() => void store.close().then(() => process.exit(0)))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

let status: 401 | 429 = 401
try {
  status = quotaStatus(process.argv.slice(2))
} catch (error) {
  console.error(`keyguard demo: ${(error as Error).message}`)
  process.exit(2)
}

main(status).catch((error: unknown) => {
  console.error(`keyguard demo failed to start: ${(error as Error).message}`)
  process.exit(1)
})
