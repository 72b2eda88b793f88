// A plan edit rewrites its keys in pipelined batches on Redis, with progress, keeping each key's overrides.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, RedisStore } from '../../src'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../harness/redis'

describe('plan edit over many keys (Redis)', () => {
  const prefix = uniquePrefix()
  const store = new RedisStore({ url: testRedisUrl(), prefix, commandTimeout: 5000 })
  const keys = new KeyManager(store)
  afterAll(async () => {
    await store.close()
    await deletePrefix(prefix)
  })

  it('rewrites every key in batches and reports progress after each', async () => {
    await keys.plans.create({
      id: 'bulk',
      name: 'Bulk',
      rate: { per_second: 5 },
      quotas: { daily: 100 },
    })
    const ids: string[] = []
    for (let i = 0; i < 2500; i += 250) {
      const made = await Promise.all(
        Array.from({ length: 250 }, (_, j) =>
          keys.create({
            name: `k${i + j}`,
            plan_id: 'bulk',
            // Every tenth key overrides the daily quota: the plan edit must keep it.
            ...((i + j) % 10 === 0 ? { quotas: { daily: 7 } } : {}),
          }),
        ),
      )
      ids.push(...made.map((m) => m.data.id))
    }
    const progress: Array<[number, number]> = []
    await keys.plans.update(
      'bulk',
      { rate: { per_second: 50, per_minute: 600 }, quotas: { daily: null, weekly: 1000 } },
      { onProgress: (done, total) => progress.push([done, total]) },
    )
    expect(progress).toEqual([
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ])
    const records = await store.loadKeyRecords(ids)
    records.forEach((r, i) => {
      expect(r?.limits).toMatchObject({
        per_second: 50,
        per_minute: 600,
        daily: i % 10 === 0 ? 7 : null,
        weekly: 1000,
      })
    })
  })

  it('switching to calendar windows resets the window counters of its keys', async () => {
    await keys.plans.create({ id: 'switch', name: 'Switch', quotas: { daily: 2 } })
    const { data } = await keys.create({ name: 'Switcher', plan_id: 'switch' })
    const app = express().get('/r', apiKeyGuard({ store, requestLog: false }), (_q, r) => {
      r.json({})
    })
    const get = () => request(app).get('/r').set('X-API-Key', data.api_key)
    expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([
      200, 200, 401,
    ])
    await keys.plans.update('switch', { quota_window: 'calendar' })
    expect((await store.loadKeyRecords([data.id]))[0]?.limits.quota_window).toBe('calendar')
    expect((await get()).status).toBe(200)
  })

  it('skips keys that left the plan and keys that no longer exist', async () => {
    await keys.plans.create({ id: 'leave', name: 'Leave', rate: { per_second: 1 } })
    await keys.plans.create({ id: 'other', name: 'Other', rate: { per_second: 2 } })
    const stays = await keys.create({ name: 'Stays', plan_id: 'leave' })
    const moves = await keys.create({ name: 'Moves', plan_id: 'leave' })
    await keys.update(moves.data.id, { plan_id: 'other' })
    await keys.plans.update('leave', { rate: { per_second: 9 } })
    const [a, b] = await store.loadKeyRecords([stays.data.id, moves.data.id])
    expect(a?.limits.per_second).toBe(9)
    expect(b?.limits.per_second).toBe(2)
    expect(await store.loadKeyRecords(['00000000000000000000'])).toEqual([null])
    expect(await store.loadKeyRecords([])).toEqual([])
  })
})
