// A flood of failed authentications from very many IPs leaves a bounded number of Redis keys and bytes, and suspicious IPs are still counted and blocked.

import express from 'express'
import { apiKeyGuard, ipBlockerFor, KeyManager } from '../../src'
import {
  FLUSH_BATCH,
  MAX_SHARED_BLOCKS,
  MAX_SHARED_GROUPS,
  MAX_TRACKED_GROUPS,
} from '../../src/ip-block'
import { mintToken, newKeyId } from '../../src/token'
import { usePrivateRedis } from '../harness/private-redis'
import { uniquePrefix } from '../harness/redis'
import { scanKeys } from '../harness/scan'

jest.setTimeout(120_000)

/** The n-th of 2^24 IPv4 addresses in 10.0.0.0/8. */
const ipOf = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`

describe('bounded flood memory (private redis-server)', () => {
  const redis = usePrivateRedis({ store: false })

  /** Keys and bytes (MEMORY USAGE) under a prefix. */
  const footprint = async (prefix: string): Promise<{ keys: number; bytes: number }> => {
    const keys = await scanKeys(redis.admin, prefix)
    let bytes = 0
    for (let i = 0; i < keys.length; i += 500) {
      const tx = redis.admin.pipeline()
      for (const key of keys.slice(i, i + 500)) tx.memory('USAGE', key)
      for (const [, n] of (await tx.exec()) ?? []) bytes += Number(n ?? 0)
    }
    return { keys: keys.length, bytes }
  }

  it('200,000 IPs failing once leave at most MAX_SHARED_GROUPS + FLUSH_BATCH counts per window (≤ 20k keys, ≤ 5 MB); suspicious IPs keep theirs', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const blocker = ipBlockerFor(store, { failures: 20 })
    const patient = '192.0.2.10' // 10 failures: more suspicious than any flood IP
    const attacker = '192.0.2.20' // 20 failures: blocked at the 20th
    for (let n = 0; n < 200_000; n++) {
      blocker.fail(ipOf(n))
      if (n % 20_000 === 500) {
        blocker.fail(patient)
        blocker.fail(attacker)
        blocker.fail(attacker)
      }
      if (n % 5_000 === 4_999) await blocker.flush()
    }
    await blocker.flush()

    const { keys, bytes } = await footprint(prefix)
    process.stdout.write(`flood of 200,000 IPs: ${keys} keys, ${(bytes / 1e6).toFixed(2)} MB\n`)
    // Per window at most MAX_SHARED_GROUPS + FLUSH_BATCH counts; a run that crosses a window's
    // end also holds the previous window's, until they expire (docs/operations.md).
    expect(keys).toBeLessThanOrEqual(2 * (MAX_SHARED_GROUPS + FLUSH_BATCH) + 10)
    expect(keys).toBeLessThanOrEqual(20_000)
    expect(bytes).toBeLessThanOrEqual(5_000_000)
    // Process memory: bounded by the in-memory caps.
    const counts = (blocker as unknown as { counts: { tracked: number; waiting: number } }).counts
    expect(counts.tracked).toBeLessThanOrEqual(MAX_TRACKED_GROUPS)
    expect(counts.waiting).toBe(0)
    // The least suspicious were evicted, not these two: 10 and 20 failures, spread over the flood.
    expect(await redis.admin.get(`${prefix}ip-fail:${patient}`)).toBe('10')
    expect((await blocker.list()).map((b) => b.ip)).toEqual([attacker])
  })

  it('the blocks list holds MAX_SHARED_BLOCKS at most, dropping those that end soonest', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const blocker = ipBlockerFor(store, { failures: 1 })
    const total = MAX_SHARED_BLOCKS + 1_000
    for (let n = 0; n < total; n++) {
      blocker.fail(ipOf(n))
      // The block writes of 500 blocks finish within the flush's 500 ms bound.
      if (n % 500 === 499) await blocker.flush()
    }
    await blocker.flush()
    const listed = await blocker.list()
    expect(listed.length).toBeLessThanOrEqual(MAX_SHARED_BLOCKS)
    expect(listed.length).toBeGreaterThan(MAX_SHARED_BLOCKS * 0.8)
    // The newest block is kept: it ends last.
    expect(listed.map((b) => b.ip)).toContain(ipOf(total - 1))
    const { keys } = await footprint(prefix)
    expect(keys).toBeLessThanOrEqual(MAX_SHARED_BLOCKS + 10)
  })

  it('through the guard: 12,000 guesses from 12,000 IPs (X-Forwarded-For) leave a bounded footprint', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const { data } = await new KeyManager(store).create({ name: 'Real' })
    const app = express()
    app.set('trust proxy', true)
    app.get('/r', apiKeyGuard({ store, requestLog: false }), (_q, r) => {
      r.json({ ok: true })
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/r`
    const before = await footprint(prefix)
    const statuses = new Map<number, number>()
    try {
      const FLOOD = 12_000
      for (let n = 0; n < FLOOD; n += 200) {
        await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const res = await fetch(url, {
              headers: {
                'x-api-key': mintToken('kg', 'sk', newKeyId(null)),
                'x-forwarded-for': ipOf(n + i),
              },
            })
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          }),
        )
      }
      const valid = await fetch(url, {
        headers: { 'x-api-key': data.api_key, 'x-forwarded-for': '192.0.2.99' },
      })
      expect(valid.status).toBe(200)
    } finally {
      server.close()
    }
    await ipBlockerFor(store).flush()
    expect([...statuses]).toEqual([[401, 12_000]])
    const after = await footprint(prefix)
    process.stdout.write(
      `guard flood of 12,000 IPs: ${after.keys - before.keys} keys, ${((after.bytes - before.bytes) / 1e6).toFixed(2)} MB\n`,
    )
    expect(after.keys - before.keys).toBeLessThanOrEqual(MAX_SHARED_GROUPS + FLUSH_BATCH + 10)
    expect(after.bytes - before.bytes).toBeLessThanOrEqual(5_000_000)
  })
})
