// A child app process for the multi-process and race tests: an Express server on the BUILT package.

// Env: REDIS_URL, KEYGUARD_PREFIX, optional KEYGUARD_CLOCK_MS (a fixed test clock), and
// KEYGUARD_ADMIN=1 to mount adminRouter at /admin as well (IP blocking off).
// Tells its parent the port it listens on over IPC, and stops on 'stop'.

const express = require('express')
const { adminRouter, apiKeyGuard, RedisStore } = require('../../dist')

const fixed = process.env.KEYGUARD_CLOCK_MS
const store = new RedisStore({
  url: process.env.REDIS_URL,
  prefix: process.env.KEYGUARD_PREFIX,
  commandTimeout: 5000,
  ...(fixed ? { clock: () => Number(fixed) } : {}),
})

const admin = process.env.KEYGUARD_ADMIN === '1'
// Race tests present old, dead tokens on purpose: those must not get loopback IP-blocked.
const guard = { timeout: 5000, requestLog: false, ...(admin ? { ipBlock: false } : {}) }
const app = express()
// Every answer says which process gave it, refusals included.
app.use((_req, res, next) => {
  res.setHeader('X-Served-By', String(process.pid))
  next()
})
app.get('/r', apiKeyGuard({ store, ...guard }), (req, res) => {
  res.json({ ok: true, pid: process.pid, key: req.apiKey?.id })
})

if (admin) app.use('/admin', adminRouter({ store, guard }))

const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port })
})

process.on('message', (message) => {
  if (message === 'stop') {
    server.close(() => {
      store.close().then(() => process.exit(0))
    })
  }
})
