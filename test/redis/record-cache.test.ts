// The guard keeps recent records by version: the script skips the record's GET, never serves a stale one.

import express, { type Express } from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, RedisStore } from '../../src'
import { callsSinceReset, resetStats } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'

describe('record cache (private redis-server)', () => {
  const redis = usePrivateRedis()
  let app: Express

  beforeAll(() => {
    app = express()
    app.get(
      '/r',
      apiKeyGuard({ store: redis.store, requestLog: false, ipBlock: false }),
      (req, res) => {
        res.json({ name: req.apiKey?.name, metadata: req.apiKey?.metadata })
      },
    )
  })

  const get = (token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`)

  it('reads the record once, then only when it changed', async () => {
    const { data } = await redis.keys.create({ name: 'First', metadata: { n: 1 } })
    await resetStats(redis.admin)
    for (let i = 0; i < 5; i++) {
      const res = await get(data.api_key)
      expect(res.body).toEqual({ name: 'First', metadata: { n: 1 } })
    }
    expect((await callsSinceReset(redis.admin)).get).toBe(1)

    // A change made elsewhere (another process, the CLI) shows on the very next request.
    const other = new RedisStore({ url: redis.server.url, prefix: redis.store.prefix })
    await new KeyManager(other).update(data.id, { name: 'Second', metadata: { n: 2 } })
    await other.close()
    await resetStats(redis.admin)
    expect((await get(data.api_key)).body).toEqual({ name: 'Second', metadata: { n: 2 } })
    expect((await get(data.api_key)).body).toEqual({ name: 'Second', metadata: { n: 2 } })
    expect((await callsSinceReset(redis.admin)).get).toBe(1)
  })

  it('a copy changed by a handler is not what the next request sees', async () => {
    const mutating = express()
    mutating.get(
      '/r',
      apiKeyGuard({ store: redis.store, requestLog: false, ipBlock: false }),
      (req, res) => {
        const metadata = req.apiKey?.metadata as { n: number }
        metadata.n += 100
        res.json(metadata)
      },
    )
    const { data } = await redis.keys.create({ name: 'Mutated', metadata: { n: 1 } })
    for (let i = 0; i < 3; i++) {
      const res = await request(mutating).get('/r').set('Authorization', `Bearer ${data.api_key}`)
      expect(res.body).toEqual({ n: 101 })
    }
  })
})
