// The guard logs after the response, in batches: no Redis command per request beyond the one EVALSHA.

import express, { type Express } from 'express'
import request from 'supertest'
import {
  type ApiKeyGuardOptions,
  apiKeyGuard,
  flushRequestLogs,
  KeyManager,
  MemoryStore,
  RedisStore,
  RequestLogBatcher,
  type Store,
} from '../../src'
import { newKeyId } from '../../src/token'
import type { RequestLogEntry } from '../../src/types'
import { callsSinceReset, resetStats, watchCommands } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'
import { uniquePrefix } from '../harness/redis'

const app = (store: Store, options: Omit<ApiKeyGuardOptions, 'store'> = {}): Express =>
  express().get('/r', apiKeyGuard({ store, ...options }), (_req, res) => {
    res.json({ ok: true })
  })

/** Entry n of a flush: every field set, odd ones rejected. */
const logEntry = (keyId: string, n: number): RequestLogEntry => ({
  key_id: keyId,
  timestamp: Date.parse('2026-05-01T09:00:00Z') + n,
  method: n % 2 === 0 ? 'GET' : 'POST',
  endpoint: `/e/${n}`,
  status: n % 2 === 0 ? 'allowed' : 'rejected',
  status_code: n % 2 === 0 ? 200 : 429,
  reason: n % 2 === 0 ? null : 'RATE_LIMITED',
  duration_ms: 2.5,
  ip_address: n % 2 === 0 ? null : '203.0.113.9',
  credits: n % 2 === 0 ? 1 : 0,
})

describe('request log batching (private redis-server, MONITOR)', () => {
  const redis = usePrivateRedis()

  it('requests send only EVALSHA; the flush writes the whole batch afterwards', async () => {
    const { data } = await redis.keys.create({ name: 'Logged' })
    const logged = app(redis.store, { requestLog: { batchSize: 1000, flushIntervalMs: 3_600_000 } })
    await request(logged).get('/r').set('X-API-Key', data.api_key) // loads the script
    await flushRequestLogs(redis.store)

    const during = await watchCommands(redis.admin)
    for (let i = 0; i < 20; i++) {
      expect((await request(logged).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    await during.stop()
    expect(during.commands.map((c) => c.name)).toEqual(Array(20).fill('evalsha'))

    await resetStats(redis.admin)
    const flush = await watchCommands(redis.admin)
    await flushRequestLogs(redis.store)
    await flush.stop()
    // One call of lua/log.lua for the key (EVAL on a connection's first use, then EVALSHA)...
    expect(flush.commands.map((c) => c.name)).toEqual([expect.stringMatching(/^eval(sha)?$/)])
    // ...which ran the 20 XADDs and one PEXPIRE (and no TIME), and added the 20 to the key's
    // hourly and daily usage counters: one HINCRBY each. The stream and the counters already
    // exist (the first request's flush made them): no EXISTS, no bucket read, no counter TTL, no
    // age trim.
    const { xadd, xtrim, pexpire, exists, hincrby, hget, time } = await callsSinceReset(redis.admin)
    expect({ xadd, xtrim, pexpire, exists, hincrby, hget, time }).toEqual({
      xadd: 20,
      pexpire: 1,
      hincrby: 2,
    })
    expect((await redis.keys.requests(data.id, { limit: 100 })).data.count).toBe(21)
  })

  it('one flush of many keys: one script call for them all, nothing written for unknown ids', async () => {
    const known = await Promise.all(
      ['A', 'B', 'C'].map(async (name) => (await redis.keys.create({ name })).data.id),
    )
    const ghosts = [newKeyId('ghost-1'), newKeyId('ghost-2')]
    const ids = [known[0], ghosts[0], known[1], known[0], ghosts[1], known[2], known[0]]
    const entries = ids.map((id, n) => logEntry(id as string, n))
    await redis.store.appendRequests(entries.slice(0, 1)) // loads the script on the connection
    await resetStats(redis.admin)
    const watched = await watchCommands(redis.admin)
    await redis.store.appendRequests(entries)
    await watched.stop()
    // Five keys, one script call, and nothing else from the app.
    expect(watched.commands.map((c) => c.name)).toEqual(['evalsha'])
    const ran = await callsSinceReset(redis.admin)
    // A's stream exists: its first XADD (NOMKSTREAM) lands. B's, C's and the ghosts' do not: one
    // EXISTS each, then a plain XADD for B and C only. Every known key has a counter new to its
    // hour (A's RATE_LIMITED): an age trim and the two counter TTLs each.
    expect([ran.exists, ran.xadd, ran.xtrim, ran.pexpire]).toEqual([4, 3 + 2 + 2 + 2, 3, 3 + 3 * 2])
    // Counters of the known keys only, in both hashes: A allowed and RATE_LIMITED, B and C one each.
    expect(ran.hincrby).toBe((2 + 1 + 1) * 2)
    for (const ghost of ghosts) {
      expect(await redis.admin.keys(`${redis.store.prefix}*${ghost}*`)).toEqual([])
    }
    const endpoints = async (id: string) =>
      (await redis.keys.requests(id, { limit: 100 })).data.requests.map((r) => r.endpoint)
    expect(await endpoints(known[0] as string)).toEqual(['/e/6', '/e/3', '/e/0', '/e/0'])
    expect(await endpoints(known[1] as string)).toEqual(['/e/2'])
    expect(await endpoints(known[2] as string)).toEqual(['/e/5'])
    const [stored] = (await redis.keys.requests(known[2] as string)).data.requests
    expect(stored).toEqual({
      timestamp: new Date(entries[5]?.timestamp ?? 0).toISOString(),
      method: 'POST',
      endpoint: '/e/5',
      status: 'rejected',
      status_code: 429,
      reason: 'RATE_LIMITED',
      duration_ms: 2.5,
      ip_address: '203.0.113.9',
      credits: 0,
    })
  })

  it('a flush sends at most maxEntries entries of a key: the newest', async () => {
    const capped = new RedisStore({
      url: redis.server.url,
      prefix: uniquePrefix(),
      requestLog: { maxEntries: 5 },
    })
    try {
      const { data } = await new KeyManager(capped).create({ name: 'Capped' })
      await capped.appendRequests([logEntry(data.id, 100)]) // the stream now exists
      await resetStats(redis.admin)
      await capped.appendRequests(Array.from({ length: 12 }, (_, n) => logEntry(data.id, n)))
      expect((await callsSinceReset(redis.admin)).xadd).toBe(5)
      const page = await capped.requests(data.id, { page: 1, limit: 10 })
      expect(page.requests.map((r) => r.endpoint)).toEqual([
        '/e/11',
        '/e/10',
        '/e/9',
        '/e/8',
        '/e/7',
      ])
    } finally {
      await capped.close()
    }
  })

  it('a full batch flushes by itself, without waiting for the interval', async () => {
    const { data } = await redis.keys.create({ name: 'Batched' })
    const logged = app(redis.store, { requestLog: { batchSize: 5, flushIntervalMs: 3_600_000 } })
    for (let i = 0; i < 5; i++) await request(logged).get('/r').set('X-API-Key', data.api_key)
    await waitFor(async () => (await redis.keys.requests(data.id)).data.count === 5)
  })

  it('a partial batch flushes after flushIntervalMs', async () => {
    const { data } = await redis.keys.create({ name: 'Timed' })
    const logged = app(redis.store, { requestLog: { batchSize: 1000, flushIntervalMs: 300 } })
    for (let i = 0; i < 2; i++) await request(logged).get('/r').set('X-API-Key', data.api_key)
    expect((await redis.keys.requests(data.id)).data.count).toBe(0)
    await waitFor(async () => (await redis.keys.requests(data.id)).data.count === 2)
  })

  it('requestLog: false logs nothing', async () => {
    const { data } = await redis.keys.create({ name: 'Silent' })
    const silent = app(redis.store, { requestLog: false })
    for (let i = 0; i < 3; i++) await request(silent).get('/r').set('X-API-Key', data.api_key)
    await flushRequestLogs(redis.store)
    expect((await redis.keys.requests(data.id)).data.count).toBe(0)
  })
})

describe('RequestLogBatcher', () => {
  const entry: RequestLogEntry = {
    key_id: 'x',
    timestamp: 0,
    method: 'GET',
    endpoint: '/',
    status: 'allowed',
    status_code: 200,
    reason: null,
    duration_ms: 0,
    ip_address: null,
    credits: 1,
  }

  it('a failing store drops entries, counts them, and never throws into the request', async () => {
    const store = new MemoryStore()
    store.appendRequests = async () => {
      throw new Error('down')
    }
    const batcher = new RequestLogBatcher(store, { batchSize: 2 })
    batcher.push(entry)
    batcher.push(entry)
    batcher.push(entry)
    await batcher.flush()
    expect(batcher.dropped).toBe(3)
    expect(batcher.pending).toBe(0)
    await store.close()
  })

  it('buffers at most ten batches while the store is slow, then drops', async () => {
    const store = new MemoryStore()
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const written: number[] = []
    store.appendRequests = async (entries) => {
      await gate
      written.push(entries.length)
    }
    const batcher = new RequestLogBatcher(store, { batchSize: 10, flushIntervalMs: 3_600_000 })
    for (let i = 0; i < 500; i++) batcher.push(entry)
    // 4 flushes of 10 in flight, then 100 buffered; the rest dropped.
    expect(batcher.pending).toBe(100)
    expect(batcher.dropped).toBe(500 - 40 - 100)
    release()
    await batcher.flush()
    expect(written.reduce((a, b) => a + b, 0)).toBe(140)
    await store.close()
  })
})

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
