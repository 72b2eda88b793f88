// The guard logs after the response, in batches: no Redis command per request beyond the one EVALSHA.

import express, { type Express } from 'express'
import type { Redis } from 'ioredis'
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
import type { RequestLogEntry } from '../../src/types'
import { newClient, uniquePrefix } from '../harness/redis'
import { type RedisServer, startRedisServer } from '../harness/redis-server'
import { watchCommands } from '../redis/commandstats'

const app = (store: Store, options: Omit<ApiKeyGuardOptions, 'store'> = {}): Express =>
  express().get('/r', apiKeyGuard({ store, ...options }), (_req, res) => {
    res.json({ ok: true })
  })

describe('request log batching (private redis-server, MONITOR)', () => {
  let server: RedisServer
  let store: RedisStore
  let admin: Redis
  let keys: KeyManager
  beforeAll(async () => {
    server = await startRedisServer()
    store = new RedisStore({ url: server.url, prefix: uniquePrefix() })
    admin = newClient(server.url)
    keys = new KeyManager(store)
  })
  afterAll(async () => {
    admin?.disconnect()
    await store?.close()
    await server?.stop()
  })

  it('requests send only EVALSHA; the flush writes the whole batch afterwards', async () => {
    const { data } = await keys.create({ name: 'Logged' })
    const logged = app(store, { requestLog: { batchSize: 1000, flushIntervalMs: 3_600_000 } })
    await request(logged).get('/r').set('X-API-Key', data.api_key) // loads the script
    await flushRequestLogs(store)

    const during = await watchCommands(admin)
    for (let i = 0; i < 20; i++) {
      expect((await request(logged).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    await during.stop()
    expect(during.commands.map((c) => c.name)).toEqual(Array(20).fill('evalsha'))

    const flush = await watchCommands(admin)
    await flushRequestLogs(store)
    await flush.stop()
    const names = flush.commands.map((c) => c.name)
    expect(names.filter((n) => n === 'xadd')).toHaveLength(20)
    expect(names).not.toContain('evalsha')
    expect(names).toContain('pexpire')
    expect((await keys.requests(data.id, { limit: 100 })).data.count).toBe(21)
  })

  it('a full batch flushes by itself, without waiting for the interval', async () => {
    const { data } = await keys.create({ name: 'Batched' })
    const logged = app(store, { requestLog: { batchSize: 5, flushIntervalMs: 3_600_000 } })
    for (let i = 0; i < 5; i++) await request(logged).get('/r').set('X-API-Key', data.api_key)
    await waitFor(async () => (await keys.requests(data.id)).data.count === 5)
  })

  it('a partial batch flushes after flushIntervalMs', async () => {
    const { data } = await keys.create({ name: 'Timed' })
    const logged = app(store, { requestLog: { batchSize: 1000, flushIntervalMs: 300 } })
    for (let i = 0; i < 2; i++) await request(logged).get('/r').set('X-API-Key', data.api_key)
    expect((await keys.requests(data.id)).data.count).toBe(0)
    await waitFor(async () => (await keys.requests(data.id)).data.count === 2)
  })

  it('requestLog: false logs nothing', async () => {
    const { data } = await keys.create({ name: 'Silent' })
    const silent = app(store, { requestLog: false })
    for (let i = 0; i < 3; i++) await request(silent).get('/r').set('X-API-Key', data.api_key)
    await flushRequestLogs(store)
    expect((await keys.requests(data.id)).data.count).toBe(0)
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
