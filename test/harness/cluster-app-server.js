// A child app process on a Redis Cluster (the BUILT package): an Express server with the guard and, with KEYGUARD_ADMIN=1, the admin API.

// Env: KEYGUARD_CLUSTER_NODES ("127.0.0.1:7000,127.0.0.1:7001"), KEYGUARD_PREFIX, KEYGUARD_TIMEOUT_MS
// (the guard's and store's timeout, default 500). Tells its parent its port over IPC, stops on 'stop'.
// IP blocking is off: every request comes from loopback, and the tests count statuses.

const { monitorEventLoopDelay } = require('node:perf_hooks')
const express = require('express')
const { Cluster } = require('ioredis')
const { adminRouter, apiKeyGuard, RedisStore } = require('../../dist')
const { recommendedClusterOptions } = require('./cluster-options')

const nodes = (process.env.KEYGUARD_CLUSTER_NODES ?? '').split(',').map((address) => {
  const [host, port] = address.split(':')
  return { host, port: Number(port) }
})
const timeout = Number(process.env.KEYGUARD_TIMEOUT_MS ?? 500)
const cluster = new Cluster(nodes, recommendedClusterOptions())
cluster.on('error', () => {})
const store = new RedisStore({
  client: cluster,
  prefix: process.env.KEYGUARD_PREFIX,
  commandTimeout: timeout,
})
let unhandled = 0
process.on('unhandledRejection', () => {
  unhandled++
})

const guard = { timeout, requestLog: false, ipBlock: false }
const app = express()
// The longest a request spent in this process, from its arrival to its answer (the hard deadline's proof).
let slowestMs = 0
// How long the event loop was held up at worst: a deadline cannot fire while it is.
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
app.use((_req, res, next) => {
  const started = performance.now()
  res.on('finish', () => {
    slowestMs = Math.max(slowestMs, performance.now() - started)
  })
  next()
})
app.get('/r', apiKeyGuard({ store, ...guard }), (req, res) => {
  res.json({ ok: true, key: req.apiKey?.id })
})
app.get('/health', (_req, res) => {
  const loopDelayMs = loopDelay.max / 1e6
  res.json({ unhandled, slowestMs, loopDelayMs, dataLoss: store.dataLossStatus() })
  slowestMs = 0
  loopDelay.reset()
})
if (process.env.KEYGUARD_ADMIN === '1') app.use('/admin', adminRouter({ store, guard }))

cluster.once('ready', () => {
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: server.address().port })
  })
  process.on('message', (message) => {
    if (message === 'stop') {
      server.close(() => {
        store.close().then(() => {
          cluster.disconnect()
          process.exit(0)
        })
      })
    }
  })
})
