// `npm run soak`: a time-boxed run of mixed traffic and admin operations while Redis is killed (-9), restarted and its scripts flushed; exits 1 unless every failure counter stays 0.

// SOAK_SECONDS (default 300) bounds the run; SOAK_RATE (default 150) is guard requests per second.
// Redis runs with appendfsync always, so an acknowledged write survives a kill -9: the documented
// over-admission bound on such a Redis is 0 (docs/operations.md), and so is every counter below:
// lostRecords (a key whose creation was acknowledged, gone), overAdmitted (credits admitted past a
// quota), http500 (any 5xx but 503), hangs (no answer within the bound), unhandledRejections.

const { randomInt } = require('node:crypto')
const express = require('express')
const kg = require('../dist')
const { startSoakRedis } = require('./soak-redis')
const { adminShot, guardShot, newCounters } = require('./soak-traffic')

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300)
const RATE = Number(process.env.SOAK_RATE ?? 150)
const TIMEOUT_MS = 300
const QUOTA = 100
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function main() {
  const counters = newCounters()
  process.on('unhandledRejection', () => {
    counters.zero.unhandledRejections++
  })
  const redis = await startSoakRedis()
  const store = new kg.RedisStore({ url: redis.url, prefix: 'soak:', commandTimeout: TIMEOUT_MS })
  const keys = new kg.KeyManager(store)
  const admin = (await keys.create({ name: 'soak admin', type: 'pat', scopes: ['admin'] })).data
  const quotaKeys = []
  for (let i = 0; i < 20; i++) {
    const { data } = await keys.create({ name: `quota ${i}`, quotas: { total: QUOTA } })
    quotaKeys.push({ id: data.id, token: data.api_key, admitted: 0 })
  }

  const app = express()
  app.set('trust proxy', true)
  const guard = { store, timeout: TIMEOUT_MS, requestLog: { flushIntervalMs: 200 } }
  app.get('/r', kg.apiKeyGuard(guard), (_req, res) => res.json({ ok: true }))
  app.use('/admin', kg.adminRouter({ store, guard: { timeout: TIMEOUT_MS } }))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const base = `http://127.0.0.1:${server.address().port}`
  const ctx = {
    counters,
    base,
    quotaKeys,
    adminToken: admin.api_key,
    created: [],
    mint: () => kg.mintToken('kg', 'sk', quotaKeys[randomInt(quotaKeys.length)].id),
    hangMs: TIMEOUT_MS + 2000,
    adminHangMs: 10_000,
  }

  const started = Date.now()
  const endAt = started + SECONDS * 1000
  const inFlight = new Set()
  const track = (p) => {
    inFlight.add(p)
    p.finally(() => inFlight.delete(p))
  }
  const faults = (async () => {
    // Every third fault is a SCRIPT FLUSH, the others a kill -9 and a restart; at random times.
    for (let n = 0; Date.now() < endAt - 5000; n++) {
      await sleep(2000 + randomInt(4000))
      if (Date.now() >= endAt - 5000) break
      if (n % 3 === 1) {
        await store.client.script('FLUSH').catch(() => {})
        counters.faults.scriptFlushes++
      } else {
        await redis.kill()
        counters.faults.kills++
        await sleep(200 + randomInt(1300))
        await redis.start()
      }
    }
  })()
  let sent = 0
  while (Date.now() < endAt) {
    const due = Math.floor(((Date.now() - started) * RATE) / 1000)
    for (; sent < due; sent++) {
      track(guardShot(ctx))
      if (sent % 30 === 0) track(adminShot(ctx))
    }
    await sleep(10)
  }
  await faults
  await Promise.all(inFlight)

  // After the last fault: everything acknowledged is still there, and no quota was passed.
  await sleep(1500)
  for (const id of [...ctx.created, ...quotaKeys.map((k) => k.id)]) {
    let found = false
    for (let attempt = 0; attempt < 20 && !found; attempt++) {
      try {
        found = (await store.loadKey(id)) !== null
        if (!found) break
      } catch {
        await sleep(250)
      }
    }
    if (!found) counters.zero.lostRecords++
  }
  for (const k of quotaKeys) counters.zero.overAdmitted += Math.max(0, k.admitted - QUOTA)

  server.close()
  await store.close()
  await redis.stop()
  const failed = Object.values(counters.zero).some((n) => n !== 0)
  const summary = {
    seconds: SECONDS,
    requests: counters.requests,
    createdKeys: ctx.created.length,
    faults: counters.faults,
    mustBeZero: counters.zero,
    guardStatuses: counters.statuses,
    adminStatuses: counters.admin,
    result: failed ? 'FAILED' : 'ok',
  }
  console.log(JSON.stringify(summary, null, 2))
  process.exit(failed ? 1 : 0)
}

main().catch((error) => {
  console.error(`soak failed to run: ${error.stack ?? error}`)
  process.exit(2)
})
