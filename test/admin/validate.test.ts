// POST /validate: Limitly's validation over HTTP, charged and logged as a guarded request, refused with the guard's codes.

import express, { type Express } from 'express'
import request from 'supertest'
import { type AdminRouterOptions, adminRouter, apiKeyGuard, flushRequestLogs } from '../../src'
import { type Conformance, useStore } from '../harness/guard'
import { DAY, STORE_KINDS, type StoreKind } from '../harness/stores'

/** adminRouter at /admin and a guarded GET /r, over the conformance store (on its test clock). */
function appOf(c: Conformance, options: Omit<AdminRouterOptions, 'store'> = {}): Express {
  const app = express()
  app.get('/r', apiKeyGuard({ store: c.store }), (_req, res) => {
    res.json({ ok: true })
  })
  app.use('/admin', adminRouter({ ...options, store: c.store }))
  return app
}

describe.each(STORE_KINDS)('POST /validate (%s)', (kind: StoreKind) => {
  const c = useStore(kind)
  let admin = ''
  beforeAll(async () => {
    admin = (await c.keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })).data.api_key
  })
  const validate = (app: Express, body: unknown, token = admin): request.Test =>
    request(app)
      .post('/admin/validate')
      .set('Authorization', `Bearer ${token}`)
      .type('json')
      .send(JSON.stringify(body))
  const body = (apiKey: string, extra: object = {}) => ({
    api_key: apiKey,
    endpoint: '/v1/things',
    method: 'get',
    ...extra,
  })

  it('admits exactly N with a quota of N, then answers the guard refusal (401 QUOTA_EXCEEDED)', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'total', quotas: { total: 3 } })
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await validate(app, body(data.api_key)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(answers.map((a) => a.body.details.current_usage)).toEqual([1, 2, 3])
    expect(answers[2]?.body).toEqual({
      success: true,
      details: {
        current_usage: 3,
        limit: 3,
        plan_name: null,
        period_start: data.created_at,
        period_end: null,
        period: 'total',
        remaining: 0,
        reset_time: null,
        key_id: data.id,
        windows: [{ period: 'total', used: 3, limit: 3, remaining: 0, reset_time: null }],
      },
    })
    expect(answers[0]?.headers.ratelimit).toBeDefined()
    const refused = await validate(app, body(data.api_key))
    expect(refused.status).toBe(401)
    expect(refused.body).toEqual({
      success: false,
      error: 'Rate limit exceeded: quota total',
      code: 'QUOTA_EXCEEDED',
      details: {
        key_id: data.id,
        window: 'total',
        limit: 3,
        remaining: 0,
        retry_after_seconds: null,
      },
    })
    expect(refused.headers['retry-after']).toBeUndefined()
    expect(refused.headers.ratelimit).toBe('"total";r=0')
    // The guard sees the same counter: nothing is left for a guarded request either.
    const guarded = await request(app).get('/r').set('Authorization', `Bearer ${data.api_key}`)
    expect(guarded.status).toBe(401)
    expect((await c.keys.usage(data.id)).data.windows[0]?.used).toBe(3)
  })

  it('shares one counter with guarded requests, and charges a cost', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'shared', quotas: { daily: 5 } })
    const guarded = () => request(app).get('/r').set('Authorization', `Bearer ${data.api_key}`)
    expect((await guarded()).status).toBe(200)
    expect((await validate(app, body(data.api_key, { cost: 2 }))).body.details).toMatchObject({
      current_usage: 3,
      limit: 5,
      remaining: 2,
      period: 'day',
    })
    expect((await guarded()).status).toBe(200)
    expect((await validate(app, body(data.api_key))).status).toBe(200)
    expect((await validate(app, body(data.api_key))).status).toBe(401)
    expect((await guarded()).status).toBe(401)
    // A refused validation charged nothing.
    expect((await c.keys.usage(data.id)).data.current_usage).toBe(5)
  })

  it("answers quotaExceededStatus 429 when the router's guard says so", async () => {
    const app = appOf(c, { guard: { quotaExceededStatus: 429 } })
    const { data } = await c.keys.create({ name: 'q429', quotas: { total: 0 } })
    const res = await validate(app, body(data.api_key))
    expect(res.status).toBe(429)
    expect(res.body).toMatchObject({ success: false, code: 'QUOTA_EXCEEDED' })
  })

  it('maps every refusal to the guard status and code, with its headers', async () => {
    const app = appOf(c)
    const active = await c.keys.create({ name: 'rate', rate: { per_second: 1, burst: 1 } })
    expect((await validate(app, body(active.data.api_key))).status).toBe(200)
    const limited = await validate(app, body(active.data.api_key))
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({ success: false, code: 'RATE_LIMITED' })
    expect(limited.body.details).toMatchObject({ window: 'second', limit: 1, remaining: 0 })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)

    const inactive = await c.keys.create({ name: 'off', status: 'inactive' })
    const expiring = await c.keys.create({
      name: 'expiring',
      expires_at: new Date(c.clock.ms + 1000).toISOString(),
    })
    const scoped = await c.keys.create({ name: 'scoped', scopes: ['read'] })
    c.clock.advance(1000)
    const cases: Array<[object, number, string]> = [
      [body(inactive.data.api_key), 401, 'INACTIVE_API_KEY'],
      [body(expiring.data.api_key), 401, 'EXPIRED_API_KEY'],
      [body('kg_sk_not_a_real_token'), 401, 'INVALID_API_KEY'],
      [body(`${scoped.data.api_key.slice(0, -1)}x`), 401, 'INVALID_API_KEY'],
      [body(scoped.data.api_key, { scopes: ['write'] }), 403, 'INSUFFICIENT_SCOPE'],
    ]
    for (const [input, status, code] of cases) {
      const res = await validate(app, input)
      expect({ status: res.status, body: res.body }).toEqual({
        status,
        body: expect.objectContaining({ success: false, code }),
      })
    }
    expect((await validate(app, body(scoped.data.api_key, { scopes: ['read'] }))).status).toBe(200)
  })

  it('logs each validation under its key, with the endpoint and method of the body', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'logged', quotas: { total: 1 } })
    expect((await validate(app, body(data.api_key, { endpoint: '/v1/a?q=1' }))).status).toBe(200)
    expect(
      (await validate(app, body(data.api_key, { endpoint: '/v1/b', method: 'POST' }))).status,
    ).toBe(401)
    await flushRequestLogs(c.store)
    const { requests } = (await c.keys.requests(data.id)).data
    expect(
      requests
        .map((r) => [r.method, r.endpoint, r.status, r.status_code, r.credits, r.reason ?? null])
        .sort(),
    ).toEqual([
      ['GET', '/v1/a', 'allowed', 200, 1, null],
      ['POST', '/v1/b', 'rejected', 401, 0, 'QUOTA_EXCEEDED'],
    ])
  })

  it('counts failed authentications toward IP blocking: the named client IP only', async () => {
    const app = appOf(c, { guard: { ipBlock: { failures: 3 } } })
    const { data } = await c.keys.create({ name: 'good' })
    const bad = body('kg_sk_0000000000000000000000000000000000000000', { ip: '203.0.113.77' })
    for (let i = 0; i < 3; i++) expect((await validate(app, bad)).status).toBe(401)
    const blocked = await validate(app, body(data.api_key, { ip: '203.0.113.77' }))
    expect(blocked.status).toBe(403)
    expect(blocked.body).toMatchObject({ success: false, code: 'IP_BLOCKED' })
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    // Another client, and the caller itself, are not blocked.
    expect((await validate(app, body(data.api_key, { ip: '203.0.113.78' }))).status).toBe(200)
    expect((await validate(app, body(data.api_key))).status).toBe(200)
    // Without an ip, failures block no one: the caller is the admin's own service.
    const anonymous = body('kg_sk_0000000000000000000000000000000000000000')
    for (let i = 0; i < 5; i++) expect((await validate(app, anonymous)).status).toBe(401)
    expect((await validate(app, body(data.api_key))).status).toBe(200)
  })

  it('reports the plan name and a calendar period', async () => {
    const app = appOf(c)
    c.clock.set('2026-03-04T10:30:00Z')
    const planId = `cal-${kind}`
    await c.keys.plans.create({
      id: planId,
      name: 'Calendar Pro',
      quotas: { daily: 10 },
      quota_window: 'calendar',
    })
    const { data } = await c.keys.create({ name: 'planned', plan_id: planId })
    const res = await validate(app, body(data.api_key))
    expect(res.body.details).toMatchObject({
      current_usage: 1,
      limit: 10,
      plan_name: 'Calendar Pro',
      period: 'day',
      period_start: '2026-03-04T00:00:00.000Z',
      period_end: '2026-03-05T00:00:00.000Z',
      reset_time: '2026-03-05T00:00:00.000Z',
    })
    // A rolling window: the count covers the current hour and the 24 before it, up to now.
    const rolling = await c.keys.create({ name: 'rolling', quotas: { daily: 10 } })
    expect((await validate(app, body(rolling.data.api_key))).body.details).toMatchObject({
      period: 'day',
      period_start: new Date(Date.parse('2026-03-04T10:00:00Z') - DAY).toISOString(),
      period_end: '2026-03-04T10:30:00.000Z',
    })
  })

  it('answers a key without quotas with null usage fields', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'unlimited' })
    expect((await validate(app, body(data.api_key))).body).toEqual({
      success: true,
      details: {
        current_usage: null,
        limit: null,
        plan_name: null,
        period_start: null,
        period_end: null,
        period: null,
        remaining: null,
        reset_time: null,
        key_id: data.id,
        windows: [],
      },
    })
  })

  it('refuses bad bodies with 400 VALIDATION_ERROR and success: false, charging nothing', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'untouched', quotas: { total: 5 } })
    const bad: unknown[] = [
      {},
      { endpoint: '/x', method: 'GET' },
      { api_key: '', endpoint: '/x', method: 'GET' },
      { api_key: 42, endpoint: '/x', method: 'GET' },
      { api_key: data.api_key, method: 'GET' },
      { api_key: data.api_key, endpoint: '/x' },
      { api_key: data.api_key, endpoint: '/x', method: 'GET /' },
      { api_key: data.api_key, endpoint: '/x', method: 'GET', extra: 1 },
      { api_key: data.api_key, endpoint: '/x', method: 'GET', cost: -1 },
      { api_key: data.api_key, endpoint: '/x', method: 'GET', ip: 'not-an-ip' },
      [data.api_key],
      'text',
    ]
    for (const input of bad) {
      const res = await validate(app, input)
      expect({ input, status: res.status, success: res.body.success, code: res.body.code }).toEqual(
        { input, status: 400, success: false, code: 'VALIDATION_ERROR' },
      )
    }
    const malformed = await request(app)
      .post('/admin/validate')
      .set('Authorization', `Bearer ${admin}`)
      .type('json')
      .send('{"api_key": ')
    expect([malformed.status, malformed.body.success, malformed.body.code]).toEqual([
      400,
      false,
      'VALIDATION_ERROR',
    ])
    const form = await request(app)
      .post('/admin/validate')
      .set('Authorization', `Bearer ${admin}`)
      .type('form')
      .send({ api_key: data.api_key })
    expect([form.status, form.body.success]).toEqual([415, false])
    expect((await c.keys.usage(data.id)).data.windows[0]?.used).toBe(0)
  })

  it('needs the admin token: none is 401, a key without the admin scope 403', async () => {
    const app = appOf(c)
    const { data } = await c.keys.create({ name: 'plain' })
    const none = await request(app).post('/admin/validate').send(body(data.api_key))
    expect(none.status).toBe(401)
    expect((await validate(app, body(data.api_key), data.api_key)).status).toBe(403)
  })
})
