// GET /keys/:id/usage: per window used/limit/remaining/reset_time; Limitly's fields are the tightest window's.

import express from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard } from '../../src'
import { call } from '../harness/admin'
import { STORE_KINDS, useStoreOf } from '../harness/stores'

describe.each(STORE_KINDS)('usage over REST (%s store)', (kind) => {
  let now = Date.parse('2026-05-06T10:30:00Z')
  const s = useStoreOf(kind, { clock: () => now })
  let admin: string
  beforeAll(async () => {
    admin = (await s.keys.create({ name: 'admin', scopes: ['admin'] })).data.api_key
  })
  const apps = () => ({
    admin: express().use('/admin', adminRouter({ store: s.store, guard: { requestLog: false } })),
    api: express().get('/r', apiKeyGuard({ store: s.store, requestLog: false }), (_q, r) => {
      r.json({})
    }),
  })

  it('reports each quota window and puts the tightest one at the top level', async () => {
    const { admin: app, api } = apps()
    const { data } = await s.keys.create({
      name: 'Metered',
      quotas: { total: 100, daily: 10, weekly: 50, monthly: 1000 },
    })
    for (let i = 0; i < 4; i++) {
      expect((await request(api).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    const res = await call(app, 'get', `/admin/keys/${data.id}/usage`, admin)
    expect(res.status).toBe(200)
    const usage = res.body.data
    expect(usage.windows.map((w: { period: string }) => w.period)).toEqual([
      'total',
      'daily',
      'weekly',
      'monthly',
    ])
    for (const w of usage.windows) {
      expect(w.used).toBe(4)
      expect(w.remaining).toBe(w.limit - 4)
    }
    expect(usage.windows[0].reset_time).toBeNull() // total never resets
    for (const w of usage.windows.slice(1)) expect(Date.parse(w.reset_time)).toBeGreaterThan(now)
    // daily has the smallest share left (6/10): Limitly's fields are its.
    expect(usage).toMatchObject({
      current_usage: 4,
      limit: 10,
      remaining: 6,
      period: 'day',
      reset_time: usage.windows[1].reset_time,
    })
  })

  it('calendar windows reset at the next UTC boundary', async () => {
    const { admin: app, api } = apps()
    await s.keys.plans.create({
      id: `cal-${kind}`,
      name: 'Calendar',
      quotas: { daily: 3 },
      quota_window: 'calendar',
    })
    const { data } = await s.keys.create({ name: 'Calendar key', plan_id: `cal-${kind}` })
    await request(api).get('/r').set('X-API-Key', data.api_key)
    const usage = (await call(app, 'get', `/admin/keys/${data.id}/usage`, admin)).body.data
    expect(usage).toMatchObject({
      current_usage: 1,
      limit: 3,
      remaining: 2,
      period: 'day',
      reset_time: '2026-05-07T00:00:00.000Z',
    })
    now += 86400000
    const tomorrow = (await call(app, 'get', `/admin/keys/${data.id}/usage`, admin)).body.data
    expect(tomorrow).toMatchObject({ current_usage: 0, remaining: 3 })
  })

  it('a key without quotas: no quota windows, null limit fields, current_usage counts its credits, and its rate is live', async () => {
    const { admin: app, api } = apps()
    const { data } = await s.keys.create({ name: 'Unmetered', rate: { per_second: 5 } })
    for (let i = 0; i < 2; i++) {
      expect((await request(api).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    const usage = (await call(app, 'get', `/admin/keys/${data.id}/usage`, admin)).body.data
    expect(usage).toEqual({
      current_usage: 2,
      limit: null,
      remaining: null,
      reset_time: null,
      period: null,
      total_requests: 2,
      // Its rate, live: 2 of a burst of 5 used, full again 2 × 200 ms after the last request.
      windows: [
        {
          period: 'second',
          used: 2,
          limit: 5,
          remaining: 3,
          reset_time: new Date(now + 400).toISOString(),
        },
      ],
      // Limitly's fields: no quota, so the period is the key's life so far.
      apiKeyId: data.id,
      apiKeyName: 'Unmetered',
      created_at: data.created_at,
      periodStart: data.created_at,
      periodEnd: expect.any(String),
      totalRequests: 2,
      requestsInPeriod: 2,
      percentageUsed: null,
      planName: null,
      isUnlimited: true,
    })
  })

  it("a rate shared by the user is that bucket, for each of the user's keys", async () => {
    const { admin: app, api } = apps()
    const plan = await s.keys.plans.create({
      name: 'Shared rate',
      rate: { per_minute: 10 },
      rate_scope: 'user',
    })
    const user_id = `shared-${kind}`
    const a = (await s.keys.create({ name: 'A', user_id, plan_id: plan.data.id })).data
    const b = (await s.keys.create({ name: 'B', user_id, plan_id: plan.data.id })).data
    for (let i = 0; i < 3; i++) {
      expect((await request(api).get('/r').set('X-API-Key', a.api_key)).status).toBe(200)
    }
    // B sent nothing: its minute window is the user's bucket, which A's 3 requests used.
    const usage = (await call(app, 'get', `/admin/keys/${b.id}/usage`, admin)).body.data
    expect(usage.windows).toEqual([
      {
        period: 'minute',
        used: 3,
        limit: 10,
        remaining: 7,
        reset_time: new Date(now + 18_000).toISOString(),
      },
    ])
  })
})
