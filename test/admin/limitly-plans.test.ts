// Plans in Limitly's form (max_requests per request_period, description, is_active) beside keyguard's quotas, both ways.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)("plans in Limitly's form (%s store)", (kind) => {
  const h = useAdmin(kind)
  let n = 0
  const planId = () => `limitly-${n++}`
  const api = () =>
    express().get('/r', apiKeyGuard({ store: h.store, requestLog: false }), (_q, r) => {
      r.json({})
    })

  it.each([
    ['day', 'daily'],
    ['week', 'weekly'],
    ['month', 'monthly'],
    ['year', 'yearly'],
  ])(
    'max_requests per %s is the %s quota, and reads back as it was sent',
    async (period, window) => {
      const app = h.app()
      // Limitly's SDK body, unchanged: no id, no keyguard field.
      const created = await call(app, 'post', '/admin/plans', h.token, {
        name: `Per ${period}`,
        description: 'For the docs',
        max_requests: 1000,
        request_period: period,
      })
      expect(created.status).toBe(201)
      expect(created.body.data).toEqual({
        id: expect.stringMatching(/^plan_/),
        name: `Per ${period}`,
        rate: {},
        quotas: { [window]: 1000 },
        quota_window: 'rolling',
        rate_scope: 'key',
        description: 'For the docs',
        max_requests: 1000,
        request_period: period,
        is_active: true,
        owner_id: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      })
      const got = await call(app, 'get', `/admin/plans/${created.body.data.id}`, h.token)
      expect(got.body.data).toEqual(created.body.data)
    },
  )

  it("a plan made with keyguard's quotas reads as its longest quota", async () => {
    const app = h.app()
    const daily = await call(app, 'post', '/admin/plans', h.token, {
      id: planId(),
      name: 'Daily',
      quotas: { daily: 1000 },
    })
    expect(daily.body.data).toMatchObject({ max_requests: 1000, request_period: 'day' })
    const several = await call(app, 'post', '/admin/plans', h.token, {
      id: planId(),
      name: 'Several',
      quotas: { daily: 1000, monthly: 20000, weekly: 5000 },
    })
    expect(several.body.data).toMatchObject({ max_requests: 20000, request_period: 'month' })
    const none = await call(app, 'post', '/admin/plans', h.token, {
      id: planId(),
      name: 'Rate only',
      rate: { per_second: 5 },
    })
    expect(none.body.data).toMatchObject({ max_requests: null, request_period: null })
    // An edit of the quotas moves the Limitly fields with them.
    const edited = await call(app, 'put', `/admin/plans/${several.body.data.id}`, h.token, {
      quotas: { monthly: null, yearly: 100000 },
    })
    expect(edited.body.data).toMatchObject({
      quotas: { daily: 1000, weekly: 5000, monthly: null, yearly: 100000 },
      max_requests: 100000,
      request_period: 'year',
    })
    const listed = await call(app, 'get', '/admin/plans', h.token)
    const found = listed.body.data.find((p: { id: string }) => p.id === several.body.data.id)
    expect(found).toMatchObject({ max_requests: 100000, request_period: 'year', owner_id: null })
  })

  it('PUT changes max_requests in place, moves it with request_period, removes it with null', async () => {
    const app = h.app()
    const id = planId()
    await call(app, 'post', '/admin/plans', h.token, {
      id,
      name: 'Moving',
      quotas: { daily: 10 },
      max_requests: 500,
      request_period: 'month',
    })
    const put = (body: object) => call(app, 'put', `/admin/plans/${id}`, h.token, body)
    expect((await put({ max_requests: 800 })).body.data).toMatchObject({
      quotas: { daily: 10, monthly: 800 },
      max_requests: 800,
      request_period: 'month',
    })
    // The Limitly quota moves to the new period's window; the other quotas stay.
    expect((await put({ request_period: 'week' })).body.data).toMatchObject({
      quotas: { daily: 10, weekly: 800, monthly: null },
      max_requests: 800,
      request_period: 'week',
    })
    expect((await put({ max_requests: 50, request_period: 'year' })).body.data).toMatchObject({
      quotas: { daily: 10, weekly: null, yearly: 50 },
      max_requests: 50,
      request_period: 'year',
    })
    // null: no Limitly quota any more; the next longest quota reads in its place.
    expect((await put({ max_requests: null })).body.data).toMatchObject({
      quotas: { daily: 10, yearly: null },
      max_requests: 10,
      request_period: 'day',
    })
    expect((await put({ description: 'Now described', is_active: false })).body.data).toMatchObject(
      { description: 'Now described', is_active: false },
    )
  })

  it('refuses bad Limitly fields with 400 VALIDATION_ERROR and a clear message', async () => {
    const app = h.app()
    const bad = async (body: object, field: string, message: RegExp, method = 'post') => {
      const res =
        method === 'post'
          ? await call(app, 'post', '/admin/plans', h.token, { name: 'Bad', ...body })
          : await call(app, 'put', '/admin/plans/bare', h.token, body)
      expect(res.status).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
      expect(res.body.details).toMatchObject({ field, message: expect.stringMatching(message) })
    }
    await bad({ max_requests: 10, request_period: 'hour' }, 'request_period', /"day", "week"/)
    await bad({ max_requests: 10, request_period: 3 }, 'request_period', /"month" or "year"/)
    await bad({ max_requests: -1, request_period: 'day' }, 'max_requests', /0 or more/)
    await bad({ max_requests: 1.5, request_period: 'day' }, 'max_requests', /whole number/)
    await bad({ max_requests: 10 }, 'request_period', /required with max_requests/)
    await bad({ request_period: 'day' }, 'max_requests', /required with request_period/)
    await bad({ is_active: 'yes' }, 'is_active', /true or false/)
    await bad(
      { max_requests: 10, request_period: 'day', quotas: { daily: 20 } },
      'max_requests',
      /disagrees with quotas.daily/,
    )
    await call(app, 'post', '/admin/plans', h.token, { id: 'bare', name: 'Bare' })
    await bad({ max_requests: 10 }, 'request_period', /plan has no quota yet/, 'put')
    await bad({ request_period: 'week' }, 'max_requests', /plan has no quota yet/, 'put')
    // The same value both ways is fine.
    const same = await call(app, 'post', '/admin/plans', h.token, {
      name: 'Same',
      max_requests: 10,
      request_period: 'day',
      quotas: { daily: 10 },
    })
    expect(same.status).toBe(201)
  })

  it('an inactive plan is given to no more keys (409 PLAN_INACTIVE); its keys keep working', async () => {
    const app = h.app()
    const id = planId()
    await call(app, 'post', '/admin/plans', h.token, {
      id,
      name: 'Legacy',
      max_requests: 2,
      request_period: 'day',
    })
    const before = await call(app, 'post', '/admin/keys', h.token, { name: 'Old', plan_id: id })
    expect(before.status).toBe(201)
    await call(app, 'put', `/admin/plans/${id}`, h.token, { is_active: false })

    const refused = await call(app, 'post', '/admin/keys', h.token, { name: 'New', plan_id: id })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ code: 'PLAN_INACTIVE', details: { plan_id: id } })
    expect(refused.body.error).toMatch(/inactive/)
    const other = (await call(app, 'post', '/admin/keys', h.token, { name: 'Other' })).body.data
    const moved = await call(app, 'put', `/admin/keys/${other.id}`, h.token, { plan_id: id })
    expect(moved.status).toBe(409)
    expect(moved.body.code).toBe('PLAN_INACTIVE')

    // The key already on it: verified and limited as before, and still editable.
    const key = before.body.data
    const statuses = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await request(api()).get('/r').set('X-API-Key', key.api_key)).status)
    }
    expect(statuses).toEqual([200, 200, 401])
    const renamed = await call(app, 'put', `/admin/keys/${key.id}`, h.token, {
      name: 'Old, renamed',
      plan_id: id,
    })
    expect(renamed.status).toBe(200)
    expect(renamed.body.data).toMatchObject({ name: 'Old, renamed', plan_id: id })

    // Active again: it can be given out.
    await call(app, 'put', `/admin/plans/${id}`, h.token, { is_active: true })
    expect(
      (await call(app, 'post', '/admin/keys', h.token, { name: 'New', plan_id: id })).status,
    ).toBe(201)
  })

  it('a yearly plan enforces max_requests per year: QUOTA_EXCEEDED "quota yearly"', async () => {
    const app = h.app()
    const id = planId()
    await call(app, 'post', '/admin/plans', h.token, {
      id,
      name: 'Yearly',
      max_requests: 2,
      request_period: 'year',
    })
    const key = (await call(app, 'post', '/admin/keys', h.token, { name: 'Y', plan_id: id })).body
      .data
    const guard = api()
    const first = await request(guard).get('/r').set('X-API-Key', key.api_key)
    expect(first.headers['ratelimit-policy']).toBe('"yearly";q=2;w=31536000')
    expect((await request(guard).get('/r').set('X-API-Key', key.api_key)).status).toBe(200)
    const over = await request(guard).get('/r').set('X-API-Key', key.api_key)
    expect(over.status).toBe(401)
    expect(over.body).toEqual({
      error: 'Rate limit exceeded: quota yearly',
      code: 'QUOTA_EXCEEDED',
    })
    const usage = (await call(app, 'get', `/admin/keys/${key.id}/usage`, h.token)).body.data
    expect(usage).toMatchObject({ period: 'year', current_usage: 2, limit: 2, remaining: 0 })
  })
})
