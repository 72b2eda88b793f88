// SCRIPT FLUSH (as after a restart or failover) is survived: the next request still gets 200.

import { createHash } from 'node:crypto'
import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager } from '../../src'
import { VERIFY_LUA } from '../../src/store'
import { usePrivateRedis } from '../harness/private-redis'

const sha = createHash('sha1').update(VERIFY_LUA).digest('hex')

describe('SCRIPT FLUSH (private redis-server)', () => {
  const redis = usePrivateRedis()

  it('reloads the script by itself, and the counters carry on', async () => {
    const keys = new KeyManager(redis.store)
    const { data } = await keys.create({ name: 'Flushed', quotas: { total: 3 } })
    const app = express()
    app.get('/r', apiKeyGuard({ store: redis.store, requestLog: false }), (_req, res) =>
      res.json({ ok: true }),
    )
    const get = () => request(app).get('/r').set('Authorization', `Bearer ${data.api_key}`)

    const loaded = async () => ((await redis.admin.script('EXISTS', sha)) as number[])[0]

    expect((await get()).status).toBe(200)
    expect(await loaded()).toBe(1)
    await redis.admin.script('FLUSH')
    expect(await loaded()).toBe(0)
    expect((await get()).status).toBe(200)
    expect(await loaded()).toBe(1)
    await redis.admin.script('FLUSH')
    expect((await get()).status).toBe(200)
    const over = await get()
    expect(over.status).toBe(401)
    expect(over.body.code).toBe('QUOTA_EXCEEDED')
  })

  it('the request log script is reloaded too: no flush is lost after SCRIPT FLUSH', async () => {
    const keys = new KeyManager(redis.store)
    const { data } = await keys.create({ name: 'Logged' })
    const entry = (n: number) => ({
      key_id: data.id,
      timestamp: Date.now(),
      method: 'GET',
      endpoint: `/f/${n}`,
      status: 'allowed' as const,
      status_code: 200,
      reason: null,
      duration_ms: 1,
      ip_address: null,
      credits: 1,
    })
    await redis.store.appendRequests([entry(0)])
    await redis.admin.script('FLUSH')
    await redis.store.appendRequests([entry(1), entry(2)])
    await redis.admin.script('FLUSH')
    await redis.store.appendRequests([entry(3)])
    const page = await redis.store.requests(data.id, { page: 1, limit: 10 })
    expect(page.requests.map((r) => r.endpoint)).toEqual(['/f/3', '/f/2', '/f/1', '/f/0'])
  })
})
