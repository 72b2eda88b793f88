// Traffic creates no Redis key without a TTL: every key that requests create expires on its own.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, ipBlockerFor, KeyManager, RedisStore } from '../../src'
import { mintToken, newKeyId } from '../../src/token'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'
import { dumpPrefix, scanKeys } from '../harness/scan'

describe('traffic creates no key without a TTL', () => {
  const prefix = uniquePrefix()
  const client = newClient()
  afterAll(async () => {
    await cleanPrefix(client, prefix)
    client.disconnect()
  })

  it('every key created by requests has a TTL', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z')
    const store = new RedisStore({ url: testRedisUrl(), prefix, clock: () => now })
    const keys = new KeyManager(store)
    const perUser = await keys.plans.create({
      name: 'Per user',
      rate: { per_second: 5, burst: 5, per_minute: 100 },
      quotas: { daily: 50, weekly: 100, monthly: 200 },
      rate_scope: 'user',
    })
    const calendar = await keys.plans.create({
      name: 'Calendar',
      quotas: { daily: 50, weekly: 100, monthly: 200 },
      quota_window: 'calendar',
    })
    const tokens = [
      (await keys.create({ name: 'A', user_id: 'alice', plan_id: perUser.data.id })).data.api_key,
      (await keys.create({ name: 'B', user_id: 'alice', plan_id: perUser.data.id })).data.api_key,
      (await keys.create({ name: 'C', user_id: 'bob', plan_id: calendar.data.id })).data.api_key,
      (
        await keys.create({
          name: 'D',
          rate: { per_second: 1 },
          quotas: { total: 10, daily: 3, weekly: 5, monthly: 7 },
        })
      ).data.api_key,
      mintToken('kg', 'sk', newKeyId('mallory')),
      mintToken('kg', 'sk', newKeyId(null)),
    ]
    const before = new Set(await scanKeys(client, prefix))

    const app = express()
    // The forged tokens' failures are counted per IP, below the block threshold.
    const guard = apiKeyGuard({ store, requestLog: { batchSize: 5 }, ipBlock: { failures: 1000 } })
    app.get('/r', guard, (_req, res) => {
      res.json({ ok: true })
    })
    // Three days of traffic, every 5 hours: sub-buckets close, windows roll, rates refill.
    for (let step = 0; step < 15; step++) {
      now += 5 * 3600000
      for (const token of tokens) {
        for (let i = 0; i < 3; i++) await request(app).get('/r').set('X-API-Key', token)
      }
    }
    // The failed-attempt counts reach Redis in batches, off the request path.
    await ipBlockerFor(store).flush()
    await store.close() // flushes the request log

    const created = (await dumpPrefix(client, prefix)).filter((k) => !before.has(k.key))
    // The traffic did create every kind of expiring key: rings, per-user rates, request logs and
    // the keys' hourly and daily usage counters, and the failed-attempt counter of the client's
    // IP, with the index that caps those counters.
    const kinds = new Set(
      created.map(
        (k) => /^[^}]*\}:([a-z]+)/.exec(k.key)?.[1] ?? k.key.slice(prefix.length).split(':')[0],
      ),
    )
    expect(kinds).toEqual(new Set(['r', 'u', 'l', 'sh', 'sd', 'ip-fail', 'ip-fail-tracked']))
    for (const k of created)
      expect({ key: k.key, hasTtl: k.pttl > 0 }).toEqual({ key: k.key, hasTtl: true })
    // …and none for the forged tokens.
    expect(created.some((k) => k.key.includes(newKeyId('mallory').slice(0, 12)))).toBe(false)
  })
})
