// Each Redis limiter's script alone: µs of script time per verification, no HTTP, no other script around.

const kg = require('../dist')
const { pool } = require('./keys')
const { commandStats } = require('./redis')

/**
 * Drives the three Redis limiters directly (no HTTP), pipelined, on the same private Redis, and
 * reads each one's EVALSHA time per verification from INFO commandstats: keyguard's verify.lua (hot key and the
 * 10,000 keys), rate-limiter-flexible's and rate-limit-redis's scripts on the same key strings.
 * The best of two passes is kept (one in --quick).
 */
async function isolatedScripts(ctx, calls, passes) {
  const { Redis } = require('ioredis')
  const { RateLimiterRedis } = require('rate-limiter-flexible')
  const { RedisStore: RateLimitRedisStore } = require('rate-limit-redis')
  const client = new Redis(ctx.redis.url, { enableAutoPipelining: true })
  const store = new kg.RedisStore({
    url: ctx.redis.url,
    autoPipelining: true,
    commandTimeout: 30000,
  })
  const rlf = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: 'iso-rlflx',
    points: 1e9,
    duration: 60,
  })
  const rlr = new RateLimitRedisStore({
    sendCommand: (command, ...rest) => client.call(command, ...rest),
    prefix: 'iso-rl:',
  })
  rlr.init({ windowMs: 60000 })
  const verifyOf = (token) => {
    const p = kg.parseToken(token, 'kg')
    return { id: p.id, tag: p.tag, hash: kg.hashToken(token), cost: 1, scopes: [], type: p.type }
  }
  const hot = [verifyOf(ctx.tokens.redis.hot)]
  const many = ctx.tokens.redis.many.map(verifyOf)
  const cases = [
    ['keyguard verify.lua', 'hot', () => store.verify(hot[0])],
    ['keyguard verify.lua', 'many', (i) => store.verify(many[i % many.length])],
    ['rate-limiter-flexible', 'hot', () => rlf.consume(ctx.tokens.redis.hot)],
    ['rate-limiter-flexible', 'many', (i) => rlf.consume(ctx.tokens.redis.many[i % many.length])],
    ['rate-limit-redis', 'hot', () => rlr.increment(ctx.tokens.redis.hot)],
    ['rate-limit-redis', 'many', (i) => rlr.increment(ctx.tokens.redis.many[i % many.length])],
  ]
  const best = new Map()
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (const [name, scenario, call] of cases) {
        await pool(Math.min(2000, calls), 200, call)
        await ctx.redis.admin.config('RESETSTAT')
        await pool(calls, 200, call)
        const stats = await commandStats(ctx.redis.admin)
        const s = stats.evalsha ?? { calls: 0, usec: 0 }
        // Per verification (per consume for the peers): keyguard batches several in one call.
        const us = s.calls > 0 ? s.usec / calls : Number.NaN
        const key = `${name}/${scenario}`
        if (!(best.get(key) <= us)) best.set(key, us)
      }
    }
  } finally {
    await store.close()
    client.disconnect()
  }
  return [...best].map(([key, us]) => {
    const [name, scenario] = key.split('/')
    return { script: name, scenario, usecPerOp: us, calls }
  })
}

module.exports = { isolatedScripts }
