// The usage answers Limitly's SDKs read: a key's camelCase usage and requests, and a plan's usage and keys.

import express from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard, flushRequestLogs } from '../../src'
import { call } from '../harness/admin'
import { HOUR, STORE_KINDS, TestClock, useStoreOf } from '../harness/stores'

describe.each(STORE_KINDS)("Limitly's usage fields (%s store)", (kind) => {
  const clock = new TestClock(Date.parse('2026-05-06T10:30:00Z'))
  const s = useStoreOf(kind, { clock: clock.now })
  let admin: string
  beforeAll(async () => {
    admin = (await s.keys.create({ name: 'admin', scopes: ['admin'] })).data.api_key
  })
  const adminApp = () =>
    express().use('/admin', adminRouter({ store: s.store, guard: { requestLog: false } }))
  /** GET /r costs `cost` credits; POST /r one. */
  const api = (cost: number) =>
    express()
      .get('/r', apiKeyGuard({ store: s.store, cost }), (_q, r) => {
        r.json({})
      })
      .post('/r', apiKeyGuard({ store: s.store }), (_q, r) => {
        r.json({})
      })

  it('GET /keys/:id/usage: totalRequests counts requests, the period fields follow the window', async () => {
    clock.set('2026-05-06T10:30:00Z')
    const plan = (
      await s.keys.plans.create({
        id: `usage-${kind}`,
        name: 'Usage plan',
        max_requests: 100,
        request_period: 'day',
      })
    ).data
    const { data } = await s.keys.create({ name: 'Costly', plan_id: plan.id })
    const app = api(5)
    for (let i = 0; i < 3; i++) {
      expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    const usage = (await call(adminApp(), 'get', `/admin/keys/${data.id}/usage`, admin)).body.data
    expect(usage).toMatchObject({
      // keyguard's fields, as before
      current_usage: 15,
      limit: 100,
      remaining: 85,
      period: 'day',
      total_requests: 15,
      // Limitly's
      apiKeyId: data.id,
      apiKeyName: 'Costly',
      created_at: data.created_at,
      // The rolling day: the 25 hourly sub-buckets up to the end of the current hour.
      periodStart: '2026-05-05T10:00:00.000Z',
      periodEnd: '2026-05-06T11:00:00.000Z',
      totalRequests: 3,
      requestsInPeriod: 15,
      percentageUsed: 15,
      planName: 'Usage plan',
      isUnlimited: false,
    })

    // A day later the credits left the window, the request count stays.
    clock.advance(26 * HOUR)
    const later = (await s.keys.usage(data.id)).data
    expect(later).toMatchObject({ current_usage: 0, requestsInPeriod: 0, percentageUsed: 0 })
    expect(later.totalRequests).toBe(3)
    // A refused request is no request admitted.
    const tight = (await s.keys.create({ name: 'Tight', quotas: { total: 1 } })).data
    await request(app).post('/r').set('X-API-Key', tight.api_key)
    await request(app).post('/r').set('X-API-Key', tight.api_key)
    expect((await s.keys.usage(tight.id)).data).toMatchObject({
      totalRequests: 1,
      current_usage: 1,
      period: 'total',
      periodStart: tight.created_at,
      percentageUsed: 100,
      isUnlimited: false,
    })
  })

  it('a calendar window reports its UTC period', async () => {
    clock.set('2026-05-06T10:30:00Z')
    await s.keys.plans.create({
      id: `cal-${kind}`,
      name: 'Calendar',
      quotas: { monthly: 10 },
      quota_window: 'calendar',
    })
    const { data } = await s.keys.create({ name: 'Cal', plan_id: `cal-${kind}` })
    await request(api(1)).get('/r').set('X-API-Key', data.api_key)
    expect((await s.keys.usage(data.id)).data).toMatchObject({
      periodStart: '2026-05-01T00:00:00.000Z',
      periodEnd: '2026-06-01T00:00:00.000Z',
      requestsInPeriod: 1,
      percentageUsed: 10,
    })
  })

  it('GET /keys/:id/requests: the page, and Limitly details of the requests in the period', async () => {
    // The guard stamps logged requests with this machine's clock: the store's starts there too.
    const real = Date.now()
    clock.set(real)
    const { data } = await s.keys.create({ name: 'Logged', quotas: { daily: 50 } })
    const app = api(2)
    await request(app).get('/r').set('X-API-Key', data.api_key)
    await request(app).post('/r').set('X-API-Key', data.api_key)
    await flushRequestLogs(s.store)
    const res = await call(adminApp(), 'get', `/admin/keys/${data.id}/requests`, admin)
    expect(res.status).toBe(200)
    const page = res.body.data
    expect(page.count).toBe(2)
    expect(page).toMatchObject({
      apiKeyId: data.id,
      apiKeyName: 'Logged',
      created_at: data.created_at,
      totalRequests: 2,
      requestsInPeriod: 3,
    })
    expect(Date.parse(page.periodStart)).toBeLessThanOrEqual(real - 24 * HOUR)
    const details = [...page.requestsInPeriodDetails].sort((x, y) =>
      x.method.localeCompare(y.method),
    )
    expect(details).toEqual(
      ['GET', 'POST'].map((method) => ({
        api_key_id: data.id,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        endpoint: '/r',
        method,
        status_code: 200,
        response_time_ms: expect.any(Number),
      })),
    )
    expect(details.map((d) => d.created_at).sort()).toEqual(
      page.requests.map((r: { timestamp: string }) => r.timestamp).sort(),
    )

    // A day and more later, both requests left the period: still on the page, not in the details.
    clock.set(real + 26 * HOUR)
    const later = (await s.keys.requests(data.id)).data
    expect(later.requests).toHaveLength(2)
    expect(later).toMatchObject({ requestsInPeriod: 0, totalRequests: 2 })
    expect(later.requestsInPeriodDetails).toEqual([])
  })

  it('GET /plans/:id/usage and /plans/:id/keys: the keys on the plan and their use', async () => {
    clock.set('2026-05-06T10:30:00Z')
    const app = adminApp()
    const id = `team-${kind}`
    await call(app, 'post', '/admin/plans', admin, {
      id,
      name: 'Team',
      max_requests: 10,
      request_period: 'month',
    })
    const empty = await call(app, 'get', `/admin/plans/${id}/usage`, admin)
    expect(empty.status).toBe(200)
    expect(empty.body.data).toEqual({
      plan_id: id,
      plan_name: 'Team',
      max_requests: 10,
      request_period: 'month',
      total_requests: 0,
      percentage_used: 0,
      users_count: 0,
      api_keys_count: 0,
      is_unlimited: false,
    })
    const a = (await s.keys.create({ name: 'A', plan_id: id })).data
    const b = (await s.keys.create({ name: 'B', plan_id: id, quotas: { monthly: 30 } })).data
    await s.keys.create({ name: 'Elsewhere' })
    const guard = api(1)
    for (let i = 0; i < 4; i++) await request(guard).get('/r').set('X-API-Key', a.api_key)
    for (let i = 0; i < 6; i++) await request(guard).get('/r').set('X-API-Key', b.api_key)

    const usage = (await call(app, 'get', `/admin/plans/${id}/usage`, admin)).body.data
    // 10 credits of 10 + 30 allowed (B's own monthly quota overrides the plan's).
    expect(usage).toMatchObject({ total_requests: 10, percentage_used: 25, api_keys_count: 2 })

    const listed = await call(app, 'get', `/admin/plans/${id}/keys`, admin)
    expect(listed.status).toBe(200)
    expect(listed.body.data.plan).toMatchObject({ id, name: 'Team', max_requests: 10 })
    expect(listed.body.data.api_keys.map((k: { name: string }) => k.name).sort()).toEqual([
      'A',
      'B',
    ])
    expect(listed.body.data.api_keys[0]).not.toHaveProperty('api_key')

    const unlimited = `free-${kind}`
    await s.keys.plans.create({ id: unlimited, name: 'Free', rate: { per_second: 5 } })
    expect((await s.keys.plans.usage(unlimited)).data).toMatchObject({
      max_requests: null,
      request_period: null,
      percentage_used: null,
      is_unlimited: true,
    })
    for (const path of [`/admin/plans/nope/usage`, `/admin/plans/nope/keys`]) {
      const missing = await call(app, 'get', path, admin)
      expect(missing.status).toBe(404)
      expect(missing.body.code).toBe('PLAN_NOT_FOUND')
    }
  })
})
