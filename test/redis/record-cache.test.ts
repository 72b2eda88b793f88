// The guard keeps recent records by version: the script skips the record's GET, never serves a stale one.

import express, { type Express } from 'express'
import type { Redis } from 'ioredis'
import request from 'supertest'
import { apiKeyGuard, KeyManager, RedisStore } from '../../src'
import { newClient, uniquePrefix } from '../harness/redis'
import { type RedisServer, startRedisServer } from '../harness/redis-server'
import { callsSinceReset, resetStats } from './commandstats'

describe('record cache (private redis-server)', () => {
  let server: RedisServer
  let store: RedisStore
  let admin: Redis
  let keys: KeyManager
  let app: Express

  beforeAll(async () => {
    server = await startRedisServer()
    store = new RedisStore({ url: server.url, prefix: uniquePrefix() })
    admin = newClient(server.url)
    keys = new KeyManager(store)
    app = express()
    app.get('/r', apiKeyGuard({ store, requestLog: false, ipBlock: false }), (req, res) => {
      res.json({ name: req.apiKey?.name, metadata: req.apiKey?.metadata })
    })
  })
  afterAll(async () => {
    admin?.disconnect()
    await store?.close()
    await server?.stop()
  })

  const get = (token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`)

  it('reads the record once, then only when it changed', async () => {
    const { data } = await keys.create({ name: 'First', metadata: { n: 1 } })
    await resetStats(admin)
    for (let i = 0; i < 5; i++) {
      const res = await get(data.api_key)
      expect(res.body).toEqual({ name: 'First', metadata: { n: 1 } })
    }
    expect((await callsSinceReset(admin)).get).toBe(1)

    // A change made elsewhere (another process, the CLI) shows on the very next request.
    const other = new RedisStore({ url: server.url, prefix: store.prefix })
    await new KeyManager(other).update(data.id, { name: 'Second', metadata: { n: 2 } })
    await other.close()
    await resetStats(admin)
    expect((await get(data.api_key)).body).toEqual({ name: 'Second', metadata: { n: 2 } })
    expect((await get(data.api_key)).body).toEqual({ name: 'Second', metadata: { n: 2 } })
    expect((await callsSinceReset(admin)).get).toBe(1)
  })

  it('a copy changed by a handler is not what the next request sees', async () => {
    const mutating = express()
    mutating.get('/r', apiKeyGuard({ store, requestLog: false, ipBlock: false }), (req, res) => {
      const metadata = req.apiKey?.metadata as { n: number }
      metadata.n += 100
      res.json(metadata)
    })
    const { data } = await keys.create({ name: 'Mutated', metadata: { n: 1 } })
    for (let i = 0; i < 3; i++) {
      const res = await request(mutating).get('/r').set('Authorization', `Bearer ${data.api_key}`)
      expect(res.body).toEqual({ n: 101 })
    }
  })
})
