// No plaintext token anywhere in Redis: every key under the prefix, every value of every type.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, RedisStore } from '../../src'
import { mintToken } from '../../src/token'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'
import { dumpPrefix } from '../harness/scan'
import { secretOf } from '../harness/secrets'

describe('no plaintext token in Redis', () => {
  const prefix = uniquePrefix()
  const client = newClient()
  afterAll(async () => {
    await cleanPrefix(client, prefix)
    client.disconnect()
  })

  it('keeps neither a token nor its secret part, in any key name or value', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z')
    const store = new RedisStore({ url: testRedisUrl(), prefix, clock: () => now })
    const keys = new KeyManager(store)
    const plan = await keys.plans.create({
      name: 'Team',
      rate: { per_second: 1, burst: 2, per_minute: 30 },
      quotas: { daily: 5, weekly: 20, monthly: 50 },
      rate_scope: 'user',
    })
    const tokens: string[] = []
    const sk = await keys.create({
      name: 'SK',
      user_id: 'u1',
      plan_id: plan.data.id,
      scopes: ['a'],
    })
    const pat = await keys.create({ name: 'PAT', type: 'pat', user_id: 'u1', quotas: { total: 3 } })
    tokens.push(sk.data.api_key, pat.data.api_key)
    // A regenerate with grace keeps the old secret's hash: it must still be a hash.
    tokens.push((await keys.regenerate(sk.data.id, { grace_seconds: 3600 })).data.api_key)

    const app = express()
    const guard = apiKeyGuard({ store, requestLog: { batchSize: 1 }, ipBlock: { failures: 1000 } })
    app.get('/r/*rest', guard, (_req, res) => res.json({ ok: true }))
    app.get('/r', guard, (_req, res) => res.json({ ok: true }))
    const statuses = new Set<number>()
    for (let hour = 0; hour < 30; hour++) {
      now += 3600000
      for (const token of tokens) {
        for (const path of ['/r', `/r/${token}`, `/r?key=${token}`]) {
          statuses.add((await request(app).get(path).set('X-API-Key', token)).status)
        }
      }
    }
    await request(app)
      .get('/r')
      .set('X-API-Key', mintToken('kg', 'sk', sk.data.id))
    expect(statuses).toEqual(new Set([200, 401, 429]))
    await store.close() // flushes the request log

    const dump = await dumpPrefix(client, prefix)
    // (The sorted set is the index of IP failure counts, src/ip-block/shared-caps.ts.)
    expect(new Set(dump.map((k) => k.type))).toEqual(
      new Set(['string', 'hash', 'set', 'stream', 'zset']),
    )
    const everything = dump.flatMap((k) => [k.key, ...k.values]).join('\n')
    // The log really was written (and so read back here).
    expect(everything).toContain('[redacted]')
    for (const token of tokens) {
      expect(everything).not.toContain(token)
      expect(everything).not.toContain(secretOf(token))
    }
  })
})
