// The compared variants: what each one is, what it must answer, and the middleware it runs.

const { createHash } = require('node:crypto')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')

const VARIANTS = [
  { id: 'a', short: '(a) express', label: '(a) Express, no middleware', kind: 'none' },
  {
    id: 'g',
    short: '(g) floor',
    label: "(g) the contract's floor: SHA-256, RateLimit headers, a close listener; no store",
    kind: 'none',
  },
  { id: 'b', short: '(b) erl-memory', label: '(b) express-rate-limit, MemoryStore', kind: 'peer' },
  {
    id: 'c',
    short: '(c) erl-redis',
    label: '(c) express-rate-limit + rate-limit-redis',
    kind: 'peer',
    redis: true,
  },
  {
    id: 'd',
    short: '(d) rlf-redis',
    label: '(d) rate-limiter-flexible RateLimiterRedis',
    kind: 'peer',
    redis: true,
  },
  { id: 'e', short: '(e) kg-memory', label: '(e) keyguard, MemoryStore', kind: 'keyguard' },
  {
    id: 'f',
    short: '(f) kg-redis',
    label: '(f) keyguard, RedisStore',
    kind: 'keyguard',
    redis: true,
  },
  {
    id: 'f-ap',
    short: '(f) kg-redis-ap',
    label: '(f) keyguard, RedisStore + autoPipelining',
    kind: 'keyguard',
    redis: true,
  },
]

/** Only with --alt=DIR: a second keyguard build, for A/B tests of a change in the same run. */
const ALTS = [
  {
    id: 'e-alt',
    short: "(e') kg-memory alt",
    label: "(e') keyguard build under test (--alt), MemoryStore",
    kind: 'keyguard',
  },
  {
    id: 'f-alt',
    short: "(f') kg-redis alt",
    label: "(f') keyguard build under test (--alt), RedisStore",
    kind: 'keyguard',
    redis: true,
  },
]

/** The variants of a run: all of them or those of --variants=, plus (e') and (f') with --alt=. */
function variantsFor({ only, alt }) {
  const all = alt ? [...VARIANTS, ...ALTS] : VARIANTS
  return all.filter((v) => (only ? only.includes(v.id) : true))
}

/** Any variant by id, (e') and (f') included (for reading back results). */
const variantById = (id) => [...VARIANTS, ...ALTS].find((v) => v.id === id)

function expectedStatus(variant, scenario) {
  if (scenario === 'rejected') return { keyguard: 401, peer: 429, none: 200 }[variant.kind]
  if (scenario === 'malformed') return variant.kind === 'keyguard' ? 401 : 200
  return 200
}

// ---- inside a server process: each variant's middleware ----

/** SHA1 of a keyguard build's lua/verify.lua: which EVALSHA is the verification. */
function verifySha(root) {
  return createHash('sha1')
    .update(readFileSync(join(root, 'lua', 'verify.lua'), 'utf8'))
    .digest('hex')
}

/**
 * Writes what keyguard still holds for the background (request log, IP failure counts), so that
 * none of it lands in the next variant's measured round on the shared Redis.
 */
async function drainKeyguard(lib, store) {
  await lib.flushRequestLogs?.(store)
  await lib.ipBlockerFor?.(store).flush?.()
}

/**
 * What any guard that keeps keyguard's contract does per request, and nothing else: hash the
 * Bearer token, send RateLimit-Policy (cached) and RateLimit (built per request) for the full
 * policy, and listen for the response's end (the request log needs its status). No store, no
 * limits, no log: the lowest cost a guard with these headers can have on this machine.
 */
function floorMiddleware() {
  const { RATE, QUOTAS } = require('./keys')
  const windows = [
    ['burst', RATE.burst, 1],
    ['minute', RATE.per_minute, 60],
    ['total', QUOTAS.total, null],
    ['daily', QUOTAS.daily, 86400],
    ['weekly', QUOTAS.weekly, 604800],
    ['monthly', QUOTAS.monthly, 2592000],
  ]
  const policy = windows
    .map(([name, q, w]) => `"${name}";q=${q}${w === null ? '' : `;w=${w}`}`)
    .join(', ')
  const ignore = () => {}
  let served = 0
  return (req, res, next) => {
    const auth = req.headers.authorization
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : ''
    createHash('sha256').update(token).digest('hex')
    served++
    let state = ''
    for (let i = 0; i < windows.length; i++) {
      const [name, q, w] = windows[i]
      if (i > 0) state += ', '
      state += `"${name}";r=${q - served}`
      if (w !== null) state += `;t=${w}`
    }
    res.setHeader('RateLimit-Policy', policy)
    res.setHeader('RateLimit', state)
    res.on('close', ignore)
    next()
  }
}

/**
 * Mounts variant `id`'s middleware on `app`. Returns what the server needs of it: `tokens` (keys
 * it made itself), `close`, `drain` and `verifySha`, each optional.
 */
async function mount(app, id, { redisUrl, rejectToken, manyCount, altRoot }) {
  const kg = require('../dist')
  const { Redis } = require('ioredis')
  const { createBenchKeys } = require('./keys')
  // Peers key their limiter on the same credential keyguard reads: the Bearer token.
  const tokenOf = (req) => {
    const auth = req.headers.authorization
    return typeof auth === 'string' && auth.length > 7 ? auth.slice(7) : 'anonymous'
  }
  // A limit that never trips, except for the one key the "rejected" scenario uses up.
  const peerLimit = (req) => (tokenOf(req) === rejectToken ? 1 : 1e9)
  const erl = (store) =>
    require('express-rate-limit').rateLimit({
      windowMs: 60000,
      limit: peerLimit,
      keyGenerator: tokenOf,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      ...(store ? { store } : {}),
    })
  switch (id) {
    case 'a':
      return {}
    case 'g':
      app.use(floorMiddleware())
      return {}
    case 'b':
      app.use(erl())
      return {}
    case 'c': {
      const { RedisStore } = require('rate-limit-redis')
      const client = new Redis(redisUrl)
      const store = new RedisStore({
        sendCommand: (command, ...args) => client.call(command, ...args),
        prefix: 'rl:',
      })
      app.use(erl(store))
      return { close: () => client.disconnect() }
    }
    case 'd': {
      const { RateLimiterRedis } = require('rate-limiter-flexible')
      const client = new Redis(redisUrl)
      const limiterOf = (points) =>
        new RateLimiterRedis({ storeClient: client, keyPrefix: 'rlflx', points, duration: 60 })
      const open = limiterOf(1e9)
      const spent = limiterOf(1)
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
      // MemoryStore keys live in this process only, so it makes its own and hands them back.
      const store = new kg.MemoryStore()
      const tokens = await createBenchKeys(kg, store, manyCount)
      app.use(kg.apiKeyGuard({ store }))
      return { tokens, close: () => store.close(), drain: () => drainKeyguard(kg, store) }
    }
    case 'e-alt': {
      const alt = require(join(altRoot, 'dist'))
      const store = new alt.MemoryStore()
      const tokens = await createBenchKeys(alt, store, manyCount)
      app.use(alt.apiKeyGuard({ store }))
      return { tokens, close: () => store.close(), drain: () => drainKeyguard(alt, store) }
    }
    case 'f-alt': {
      // On its own key prefix and its own keys, so both builds share one Redis without mixing.
      const alt = require(join(altRoot, 'dist'))
      const store = new alt.RedisStore({ url: redisUrl, prefix: 'kgalt:' })
      const tokens = await createBenchKeys(alt, store, manyCount)
      app.use(alt.apiKeyGuard({ store }))
      return {
        tokens,
        close: () => store.close(),
        drain: () => drainKeyguard(alt, store),
        verifySha: verifySha(altRoot),
      }
    }
    case 'f':
    case 'f-ap': {
      const store = new kg.RedisStore({ url: redisUrl, autoPipelining: id === 'f-ap' })
      app.use(kg.apiKeyGuard({ store }))
      return {
        close: () => store.close(),
        drain: () => drainKeyguard(kg, store),
        verifySha: verifySha(join(__dirname, '..')),
      }
    }
    default:
      throw new Error(`unknown variant "${id}"`)
  }
}

module.exports = { VARIANTS, variantsFor, variantById, expectedStatus, mount }
