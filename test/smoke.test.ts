import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, MemoryStore, RedisStore } from '../src'
import { deletePrefix, testRedisUrl, uniquePrefix } from './harness/redis'

describe.each(['memory', 'redis'])('smoke on %s', (kind) => {
  const prefix = uniquePrefix()
  const store =
    kind === 'memory' ? new MemoryStore() : new RedisStore({ url: testRedisUrl(), prefix })
  afterAll(async () => {
    if (kind === 'redis') {
      await deletePrefix(prefix)
    }
    await store.close()
  })

  it('creates a key and lets it through, then applies the burst', async () => {
    const keys = new KeyManager(store)
    const { data } = await keys.create({
      name: 'Prod',
      user_id: '123',
      rate: { per_second: 1, burst: 2 },
      quotas: { daily: 10 },
    })
    const app = express()
    app.get('/x', apiKeyGuard({ store }), (req, res) => res.json({ id: req.apiKey?.id }))
    const ok = await request(app).get('/x').set('Authorization', `Bearer ${data.api_key}`)
    expect(ok.status).toBe(200)
    expect(ok.body.id).toBe(data.id)
    expect(ok.headers['ratelimit-policy']).toBe('"burst";q=2;w=1, "daily";q=10;w=86400')
    expect(ok.headers.ratelimit).toMatch(/^"burst";r=1;t=1, "daily";r=9;t=\d+$/)
    await request(app).get('/x').set('X-API-Key', data.api_key).expect(200)
    const limited = await request(app).get('/x').set('X-API-Key', data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.body.code).toBe('RATE_LIMITED')
    expect(limited.headers['retry-after']).toBe('1')
    const usage = await keys.usage(data.id)
    expect(usage.data).toMatchObject({ current_usage: 2, limit: 10, remaining: 8, period: 'day' })
  })
})
