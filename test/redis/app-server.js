// A child app process for the multi-process tests: an Express server on the BUILT package.
// Env: REDIS_URL, KEYGUARD_PREFIX, optional KEYGUARD_CLOCK_MS (a fixed test clock).
// Tells its parent the port it listens on over IPC, and stops on 'stop'.

const express = require('express')
const { apiKeyGuard, RedisStore } = require('../../dist')

const fixed = process.env.KEYGUARD_CLOCK_MS
const store = new RedisStore({
  url: process.env.REDIS_URL,
  prefix: process.env.KEYGUARD_PREFIX,
  commandTimeout: 5000,
  ...(fixed ? { clock: () => Number(fixed) } : {}),
})

const app = express()
app.get('/r', apiKeyGuard({ store, timeout: 5000, requestLog: false }), (req, res) => {
  res.json({ ok: true, pid: process.pid, key: req.apiKey?.id })
})

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
