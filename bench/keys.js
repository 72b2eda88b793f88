// Benchmark keys: the full policy, key creation through KeyManager, malformed tokens, client IPs.

const { randomBytes } = require('node:crypto')

/** Full policy for every benchmark key: high enough that no allowed scenario is ever rejected. */
const RATE = { per_second: 1000000, burst: 1000000, per_minute: 1000000 }
const QUOTAS = { total: 1e12, daily: 1e12, weekly: 1e12, monthly: 1e12 }

/** Runs `fn(i)` for i in [0, count) with at most `limit` calls in flight. */
async function pool(count, limit, fn) {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
}

/**
 * Creates the benchmark keys through KeyManager: one hot key, one key whose total quota is
 * already used up, and `count` distinct keys. Returns their tokens.
 */
async function createBenchKeys(kg, store, count) {
  const keys = new kg.KeyManager(store)
  const hot = await keys.create({ name: 'bench hot', rate: RATE, quotas: QUOTAS })
  const spent = await keys.create({
    name: 'bench exhausted',
    rate: RATE,
    quotas: { ...QUOTAS, total: 1 },
  })
  // Use up the total quota (1 credit) so every later request is rejected with QUOTA_EXCEEDED.
  const parsed = kg.parseToken(spent.data.api_key, 'kg')
  const first = await store.verify({
    id: parsed.id,
    tag: parsed.tag,
    hash: kg.hashToken(spent.data.api_key),
    cost: 1,
    scopes: [],
  })
  if (first.outcome !== 'ok') throw new Error(`exhausting the quota key: got ${first.outcome}`)
  const many = new Array(count)
  await pool(count, 256, async (i) => {
    const { data } = await keys.create({ name: `bench ${i}`, rate: RATE, quotas: QUOTAS })
    many[i] = data.api_key
  })
  return { hot: hot.data.api_key, reject: spent.data.api_key, many }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * Tokens that keyguard must reject without a store call: the same length as real ones, half
 * of them real tokens with one mistyped character (bad checksum), half random garbage.
 */
function malformedTokens(valid, count) {
  const out = []
  for (let i = 0; i < count; i++) {
    const token = valid[i % valid.length]
    if (i % 2 === 0) {
      const at = token.length - 10 - (i % 20)
      const c = token[at]
      const swap = BASE62[(BASE62.indexOf(c) + 1 + (i % 61)) % 62]
      out.push(token.slice(0, at) + swap + token.slice(at + 1))
    } else {
      const bytes = randomBytes(token.length)
      let s = ''
      for (const b of bytes) s += BASE62[b % 62]
      out.push(`kg_sk_${s.slice(6)}`)
    }
  }
  return out
}

/** Distinct documentation-range client addresses (198.18.0.0/15, RFC 2544). */
function clientAddresses(count) {
  return Array.from(
    { length: count },
    (_, i) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
  )
}

module.exports = { RATE, QUOTAS, pool, createBenchKeys, malformedTokens, clientAddresses }
