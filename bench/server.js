// Benchmark server: one variant per process (`node bench/server.js <variant>`), forked and driven by bench/run.js.

const { createHash } = require('node:crypto')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const { Redis } = require('ioredis')

// Count every command this process sends to Redis (pipelined or not), and each script by SHA1.
let redisSent = 0
let scripts = new Map()
const sendCommand = Redis.prototype.sendCommand
Redis.prototype.sendCommand = function countedSendCommand(command, ...rest) {
  redisSent++
  const name = String(command?.name ?? '').toLowerCase()
  if (name === 'evalsha' || name === 'eval') {
    const first = command.args?.[0]
    const sha =
      name === 'eval' ? createHash('sha1').update(String(first)).digest('hex') : String(first)
    scripts.set(sha, (scripts.get(sha) ?? 0) + 1)
  }
  return sendCommand.call(this, command, ...rest)
}

const express = require('express')
const kg = require('../dist')
const { createBenchKeys } = require('./keys')

const variant = process.argv[2]
const redisUrl = process.env.BENCH_REDIS_URL
const rejectToken = process.env.BENCH_REJECT_TOKEN ?? ''
const manyCount = Number(process.env.BENCH_KEYS ?? 10000)

/** Peers key their limiter on the same credential keyguard reads: the Bearer token. */
function tokenOf(req) {
  const auth = req.headers.authorization
  return typeof auth === 'string' && auth.length > 7 ? auth.slice(7) : 'anonymous'
}

/** Peers: a limit that never trips, except for the one key the "rejected" scenario uses up. */
const peerLimit = (req) => (tokenOf(req) === rejectToken ? 1 : 1e9)

const ok = (_req, res) => {
  res.json({ ok: true })
}

/** SHA1 of a keyguard build's lua/verify.lua: which EVALSHA is the verification. */
function verifySha(root) {
  return createHash('sha1')
    .update(readFileSync(join(root, 'lua', 'verify.lua'), 'utf8'))
    .digest('hex')
}

async function build(app) {
  switch (variant) {
    case 'a':
      return {}
    case 'b': {
      const { rateLimit } = require('express-rate-limit')
      app.use(
        rateLimit({
          windowMs: 60000,
          limit: peerLimit,
          keyGenerator: tokenOf,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
        }),
      )
      return {}
    }
    case 'c': {
      const { rateLimit } = require('express-rate-limit')
      const { RedisStore } = require('rate-limit-redis')
      const client = new Redis(redisUrl)
      app.use(
        rateLimit({
          windowMs: 60000,
          limit: peerLimit,
          keyGenerator: tokenOf,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          store: new RedisStore({
            sendCommand: (command, ...args) => client.call(command, ...args),
            prefix: 'rl:',
          }),
        }),
      )
      return { close: () => client.disconnect() }
    }
    case 'd': {
      const { RateLimiterRedis } = require('rate-limiter-flexible')
      const client = new Redis(redisUrl)
      const open = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: 'rlflx',
        points: 1e9,
        duration: 60,
      })
      const spent = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: 'rlflx',
        points: 1,
        duration: 60,
      })
      // The middleware of rate-limiter-flexible's README, with its X-RateLimit-* headers.
      app.use((req, res, next) => {
        const key = tokenOf(req)
        const limiter = key === rejectToken ? spent : open
        limiter.consume(key).then(
          (r) => {
            res.setHeader('X-RateLimit-Limit', limiter.points)
            res.setHeader('X-RateLimit-Remaining', r.remainingPoints)
            res.setHeader('X-RateLimit-Reset', Math.ceil((Date.now() + r.msBeforeNext) / 1000))
            next()
          },
          (r) => {
            if (r instanceof Error) return next(r)
            res.setHeader('Retry-After', Math.ceil(r.msBeforeNext / 1000))
            res.setHeader('X-RateLimit-Limit', limiter.points)
            res.setHeader('X-RateLimit-Remaining', r.remainingPoints)
            res.setHeader('X-RateLimit-Reset', Math.ceil((Date.now() + r.msBeforeNext) / 1000))
            res.status(429).json({ error: 'Too Many Requests' })
          },
        )
      })
      return { close: () => client.disconnect() }
    }
    case 'e': {
      const store = new kg.MemoryStore()
      const tokens = await createBenchKeys(kg, store, manyCount)
      app.use(kg.apiKeyGuard({ store }))
      return { tokens, close: () => store.close(), drain: () => drainKeyguard(kg, store) }
    }
    case 'f-alt': {
      // A second keyguard build (run.js --alt=<dir>), on its own key prefix and its own keys.
      const alt = require(join(process.env.BENCH_ALT, 'dist'))
      const store = new alt.RedisStore({ url: redisUrl, prefix: 'kgalt:' })
      const tokens = await createBenchKeys(alt, store, manyCount)
      app.use(alt.apiKeyGuard({ store }))
      return {
        tokens,
        close: () => store.close(),
        drain: () => drainKeyguard(alt, store),
        verifySha: verifySha(process.env.BENCH_ALT),
      }
    }
    case 'f':
    case 'f-ap': {
      const store = new kg.RedisStore({ url: redisUrl, autoPipelining: variant === 'f-ap' })
      app.use(kg.apiKeyGuard({ store }))
      return {
        close: () => store.close(),
        drain: () => drainKeyguard(kg, store),
        verifySha: verifySha(join(__dirname, '..')),
      }
    }
    default:
      throw new Error(`unknown variant "${variant}"`)
  }
}

/**
 * Writes what keyguard still holds for the background (request log, IP failure counts), so that
 * none of it lands in the next variant's measured round on the shared Redis.
 */
async function drainKeyguard(lib, store) {
  await lib.flushRequestLogs?.(store)
  await lib.ipBlockerFor?.(store).flush?.()
}

async function main() {
  if (typeof process.send !== 'function') throw new Error('bench/server.js is forked by run.js')
  // If run.js dies, so does this server.
  process.on('disconnect', () => process.exit(0))

  const app = express()
  // Client addresses come from X-Forwarded-For (the malformed flood uses many): same for all.
  app.set('trust proxy', 'loopback')
  let requests = 0
  let lifetime = 0
  app.use((_req, _res, next) => {
    requests++
    lifetime++
    next()
  })
  const built = await build(app)
  app.get('/', ok)

  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  server.keepAliveTimeout = 60000

  let cpu = process.cpuUsage()
  process.on('message', (msg) => {
    if (msg.type === 'snapshot') {
      const used = process.cpuUsage(cpu)
      process.send({
        type: 'snapshot',
        requests,
        lifetime,
        redisSent,
        scripts: Object.fromEntries(scripts),
        verifySha: built.verifySha ?? null,
        cpuMicros: used.user + used.system,
      })
      if (msg.reset) {
        requests = 0
        redisSent = 0
        scripts = new Map()
        cpu = process.cpuUsage()
      }
    } else if (msg.type === 'drain') {
      Promise.resolve(built.drain?.()).then(
        () => process.send({ type: 'drained' }),
        (error) => process.send({ type: 'drained', error: String(error) }),
      )
    } else if (msg.type === 'exit') {
      server.close()
      Promise.resolve(built.close?.()).finally(() => process.exit(0))
      setTimeout(() => process.exit(0), 1000).unref()
    }
  })
  process.send({ type: 'ready', port: server.address().port, tokens: built.tokens ?? null })
}

main().catch((error) => {
  console.error(`bench server ${variant}:`, error)
  process.exit(1)
})
