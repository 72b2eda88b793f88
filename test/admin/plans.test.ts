// The /plans routes of adminRouter: CRUD, errors, and a plan edit reaching its keys at once.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('adminRouter /plans (%s store)', (kind) => {
  const h = useAdmin(kind)

  it('creates, lists, gets, updates and deletes a plan', async () => {
    const app = h.app()
    const created = await call(app, 'post', '/admin/plans', h.token, {
      id: 'pro',
      name: 'Pro',
      rate: { per_second: 10, burst: 20 },
      quotas: { daily: 1000 },
    })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({
      id: 'pro',
      name: 'Pro',
      rate: { per_second: 10, burst: 20 },
      quotas: { daily: 1000 },
      quota_window: 'rolling',
      rate_scope: 'key',
    })
    const listed = await call(app, 'get', '/admin/plans', h.token)
    expect(listed.status).toBe(200)
    expect(listed.body.data.map((p: { id: string }) => p.id)).toContain('pro')
    expect(listed.body.count).toBe(listed.body.data.length)
    expect((await call(app, 'get', '/admin/plans/pro', h.token)).body.data.name).toBe('Pro')

    const updated = await call(app, 'put', '/admin/plans/pro', h.token, {
      name: 'Pro 2',
      quotas: { weekly: 5000 },
      quota_window: 'calendar',
    })
    expect(updated.status).toBe(200)
    expect(updated.body.data).toMatchObject({
      name: 'Pro 2',
      quotas: { daily: 1000, weekly: 5000 },
      quota_window: 'calendar',
    })

    const deleted = await call(app, 'delete', '/admin/plans/pro', h.token)
    expect(deleted.status).toBe(200)
    expect(deleted.body).toEqual({ data: { message: 'Plan deleted successfully' } })
    expect((await call(app, 'get', '/admin/plans/pro', h.token)).status).toBe(404)
  })

  it('generates an id when none is given', async () => {
    const res = await call(h.app(), 'post', '/admin/plans', h.token, { name: 'Anonymous' })
    expect(res.status).toBe(201)
    expect(res.body.data.id).toMatch(/^plan_[0-9A-Za-z]{11}$/)
  })

  it('answers 404 PLAN_NOT_FOUND, 400 VALIDATION_ERROR and 409 PLAN_IN_USE', async () => {
    const app = h.app()
    for (const [method, body] of [
      ['get', undefined],
      ['put', { name: 'x' }],
      ['delete', undefined],
    ] as const) {
      const res = await call(app, method, '/admin/plans/missing', h.token, body)
      expect({ method, status: res.status, code: res.body.code }).toEqual({
        method,
        status: 404,
        code: 'PLAN_NOT_FOUND',
      })
    }
    const noName = await call(app, 'post', '/admin/plans', h.token, { id: 'nameless' })
    expect(noName.status).toBe(400)
    expect(noName.body.details).toMatchObject({ field: 'name', message: 'Name is required' })
    const badId = await call(app, 'post', '/admin/plans', h.token, { id: 'no spaces', name: 'x' })
    expect(badId.body.details.field).toBe('id')
    const total = await call(app, 'post', '/admin/plans', h.token, {
      name: 'x',
      quotas: { total: 5 },
    })
    expect(total.status).toBe(400)
    await call(app, 'post', '/admin/plans', h.token, { id: 'dup', name: 'Dup' })
    const dup = await call(app, 'post', '/admin/plans', h.token, { id: 'dup', name: 'Dup' })
    expect(dup.status).toBe(409)
    expect(dup.body).toMatchObject({ code: 'CONFLICT', details: { id: 'dup' } })
    expect(dup.body.error).toMatch(/already exists/)
    const badWindow = await call(app, 'put', '/admin/plans/dup', h.token, {
      quota_window: 'weekly',
    })
    expect(badWindow.body.details.field).toBe('quota_window')

    await call(app, 'post', '/admin/plans', h.token, { id: 'busy', name: 'Busy' })
    const { data } = await h.keys.create({ name: 'On busy', plan_id: 'busy' })
    const busy = await call(app, 'delete', '/admin/plans/busy', h.token)
    expect(busy.status).toBe(409)
    expect(busy.body.code).toBe('PLAN_IN_USE')
    expect(busy.body.details).toEqual({ id: 'busy', keys: 1 })
    await call(app, 'put', `/admin/keys/${data.id}`, h.token, { plan_id: null })
    expect((await call(app, 'delete', '/admin/plans/busy', h.token)).status).toBe(200)
  })

  it('a plan edit over REST applies to its keys on the very next request', async () => {
    const app = h.app()
    await call(app, 'post', '/admin/plans', h.token, {
      id: 'tight',
      name: 'Tight',
      quotas: { daily: 1 },
    })
    const { data } = await h.keys.create({ name: 'On tight', plan_id: 'tight' })
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    const get = () => request(guarded).get('/r').set('X-API-Key', data.api_key)
    expect((await get()).status).toBe(200)
    expect((await get()).body.code).toBe('QUOTA_EXCEEDED')
    await call(app, 'put', '/admin/plans/tight', h.token, { quotas: { daily: 3 } })
    expect((await get()).status).toBe(200)
  })

  // After every test of the file, however it is run (alone, filtered or in the full suite).
  afterAll(() => {
    expect(h.unexpected).toEqual([])
  })
})
