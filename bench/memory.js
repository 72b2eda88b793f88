// Redis memory: MEMORY USAGE per keyguard key once every window is in use, and per peer key.

const { fork } = require('node:child_process')
const { join } = require('node:path')
const kg = require('../dist')
const { ask, stopChild, track } = require('./children')

async function scanKeys(admin, pattern) {
  const keys = []
  let cursor = '0'
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 2000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys
}

/** MEMORY USAGE of each key, 1,000 per pipeline; SAMPLES 0 counts every element. */
async function memoryUsage(admin, keys) {
  const sizes = []
  for (let i = 0; i < keys.length; i += 1000) {
    const p = admin.pipeline()
    for (const k of keys.slice(i, i + 1000)) p.memory('USAGE', k, 'SAMPLES', '0')
    for (const [error, bytes] of await p.exec()) sizes.push(error ? 0 : Number(bytes))
  }
  return sizes
}

async function prefixMemory(admin, pattern) {
  const keys = await scanKeys(admin, pattern)
  const sizes = await memoryUsage(admin, keys)
  const sum = sizes.reduce((a, b) => a + b, 0)
  return { pattern, keys: keys.length, avgBytes: keys.length ? sum / keys.length : 0 }
}

/**
 * Drives `fillKeys` of the 10,000 keys through every sub-bucket of the daily (1 h buckets),
 * weekly (6 h) and monthly (1 d) rolling windows with the store's clock override
 * (forward in time, so no window is cut short), then sums MEMORY USAGE per key.
 */
async function keyguardMemory(ctx) {
  const started = Date.now()
  const tokens = ctx.tokens.redis.many.slice(0, ctx.opts.mode.fillKeys)
  const keys = tokens.map((t) => {
    const parsed = kg.parseToken(t, 'kg')
    return { id: parsed.id, tag: parsed.tag }
  })
  const hour = 3600000
  const end = (Math.floor(Date.now() / hour) + 32 * 24) * hour + hour / 2
  const steps = new Set()
  // One request in each of the last 32 days, 30 six-hour buckets and 26 hours: more than any
  // ring keeps (rings hold at most 31 daily, 29 six-hourly and 25 hourly buckets).
  for (let d = 0; d < 32; d++) steps.add(end - d * 24 * hour)
  for (let k = 0; k < 30; k++) steps.add(end - k * 6 * hour)
  for (let h = 0; h < 26; h++) steps.add(end - h * hour)
  const sorted = [...steps].sort((a, b) => a - b)
  // Two worker processes share the keys, so Redis rather than one Node process sets the pace.
  const workers = 2
  const results = await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const child = track(
        fork(join(__dirname, 'fill.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      )
      try {
        await ask(child, {}, 'ready', 30000)
        const share = tokens.filter((_, i) => i % workers === w)
        return await ask(
          child,
          { type: 'fill', url: ctx.redis.url, tokens: share, steps: sorted },
          'filled',
          600000,
        )
      } finally {
        await stopChild(child)
      }
    }),
  )
  const rejected = results.reduce((a, r) => a + r.rejected, 0)
  if (rejected > 0) ctx.failures.push(`memory fill: ${rejected} verifications were rejected`)

  const HISTORY = new Set(['l', 'sh', 'sd'])
  const all = await scanKeys(ctx.redis.admin, 'kg:{*')
  const sizes = await memoryUsage(ctx.redis.admin, all)
  // Group by hash tag (every Redis key of one keyguard key carries it) and by kind, the letter
  // after the tag: k hot hash, r ring, m record, u user rates, l request log, sh and sd usage
  // series. The request log and the series are history, reported apart: they are capped by
  // entries and age (docs/request-logs.md, docs/redis-layout.md), not by the windows.
  const perTag = new Map()
  all.forEach((k, i) => {
    const m = /^kg:\{([^}]*)\}:([a-z]+)/.exec(k)
    if (!m) return
    const entry = perTag.get(m[1]) ?? { bytes: 0, keys: 0, log: 0, kinds: {} }
    if (HISTORY.has(m[2])) entry.log += sizes[i]
    else {
      entry.bytes += sizes[i]
      entry.keys++
    }
    entry.kinds[m[2]] = (entry.kinds[m[2]] ?? 0) + sizes[i]
    perTag.set(m[1], entry)
  })
  const stat = (tags) => {
    const list = tags.map((t) => perTag.get(t)).filter(Boolean)
    const n = Math.max(1, list.length)
    const bytes = list.map((e) => e.bytes)
    const kinds = {}
    for (const e of list) {
      for (const [kind, b] of Object.entries(e.kinds)) kinds[kind] = (kinds[kind] ?? 0) + b / n
    }
    return {
      keys: list.length,
      avgBytes: bytes.reduce((a, b) => a + b, 0) / n,
      maxBytes: Math.max(0, ...bytes),
      redisKeysPerKey: list.reduce((a, e) => a + e.keys, 0) / n,
      avgLogBytes: list.reduce((a, e) => a + e.log, 0) / n,
      avgBytesByKind: kinds,
    }
  }
  const tagOf = (t) => kg.parseToken(t, 'kg').tag
  const filledTags = tokens.map(tagOf)
  const restTags = ctx.tokens.redis.many.slice(ctx.opts.mode.fillKeys).map(tagOf)
  // What one filled key is made of: each of its Redis keys with type, encoding, size and bytes.
  const sample = keys[0]
  const layout = []
  for (const name of (await scanKeys(ctx.redis.admin, `kg:{${sample.tag}}*`)).sort()) {
    const type = await ctx.redis.admin.type(name)
    const length =
      type === 'hash'
        ? await ctx.redis.admin.hlen(name)
        : type === 'string'
          ? await ctx.redis.admin.strlen(name)
          : type === 'list'
            ? await ctx.redis.admin.llen(name)
            : type === 'stream'
              ? await ctx.redis.admin.xlen(name)
              : null
    layout.push({
      key: name.replace(sample.tag, '<tag>').replace(sample.id, '<id>'),
      type,
      encoding: await ctx.redis.admin.object('ENCODING', name),
      length,
      bytes: (await memoryUsage(ctx.redis.admin, [name]))[0],
    })
  }
  const index = await memoryUsage(ctx.redis.admin, ['kg:keys'])
  const total = ctx.tokens.redis.many.length + 2
  return {
    filled: stat(filledTags),
    rest: restTags.length ? stat(restTags) : null,
    fillSteps: sorted.length,
    fillVerifications: sorted.length * keys.length,
    fillSeconds: (Date.now() - started) / 1000,
    layout,
    indexBytesPerKey: (index[0] ?? 0) / total,
  }
}

module.exports = { keyguardMemory, prefixMemory }
