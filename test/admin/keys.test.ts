// The /keys routes of adminRouter, each answer and each error, on MemoryStore and RedisStore.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs } from '../../src'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe.each(STORE_KINDS)('adminRouter /keys (%s store)', (kind) => {
  const h = useAdmin(kind)

  it('POST /keys creates a key: 201, the record and its secret once', async () => {
    const app = h.app()
    const res = await call(app, 'post', '/admin/keys', h.token, {
      name: 'Prod',
      user_id: 123,
      category: 'backend',
      scopes: ['reports:read'],
      metadata: { team: 'data' },
      expires_at: '2099-01-01T00:00:00Z',
      quotas: { daily: 1000 },
      rate: { per_second: 10, burst: 20 },
    })
    expect(res.status).toBe(201)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body.data).toMatchObject({
      name: 'Prod',
      type: 'sk',
      user_id: 123,
      plan_id: null,
      status: 'active',
      category: 'backend',
      scopes: ['reports:read'],
      metadata: { team: 'data' },
      expires_at: '2099-01-01T00:00:00.000Z',
      quotas: { daily: 1000 },
      rate: { per_second: 10, burst: 20 },
      last_used_at: null,
    })
    expect(res.body.data.api_key).toMatch(/^kg_sk_[0-9A-Za-z]{48}$/)
    expect(res.body.data.created_at).toMatch(ISO)
    // The secret is never shown again.
    const got = await call(app, 'get', `/admin/keys/${res.body.data.id}`, h.token)
    expect(got.status).toBe(200)
    expect(got.body.data.api_key).toBeUndefined()
    expect(got.body.data.name).toBe('Prod')
  })

  it('POST /keys without a name answers 400 VALIDATION_ERROR with field and message', async () => {
    const res = await call(h.app(), 'post', '/admin/keys', h.token, { user_id: 1 })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      error: 'Validation failed',
      code: 'VALIDATION_ERROR',
      details: { field: 'name', message: 'Name is required' },
    })
    expect(res.body.details.issues).toEqual([{ field: 'name', message: 'Name is required' }])
  })

  it('POST /keys rejects unknown fields, bad types and a missing plan', async () => {
    const app = h.app()
    const unknown = await call(app, 'post', '/admin/keys', h.token, { name: 'x', colour: 'red' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.details.field).toBe('colour')
    const badRate = await call(app, 'post', '/admin/keys', h.token, {
      name: 'x',
      rate: { per_second: -1 },
    })
    expect(badRate.status).toBe(400)
    expect(badRate.body.details.field).toBe('rate.per_second')
    const noPlan = await call(app, 'post', '/admin/keys', h.token, { name: 'x', plan_id: 'nope' })
    expect(noPlan.status).toBe(404)
    expect(noPlan.body).toEqual({
      error: 'Plan not found',
      code: 'PLAN_NOT_FOUND',
      details: { id: 'nope' },
    })
  })

  it('GET /keys lists newest first with count, page and limit, and filters', async () => {
    const app = h.app()
    const made: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await call(app, 'post', '/admin/keys', h.token, {
        name: `List ${i}`,
        category: 'listing',
        user_id: 'lister',
      })
      made.push(r.body.data.id)
      await new Promise((r) => setTimeout(r, 2))
    }
    const page1 = await call(app, 'get', '/admin/keys?category=listing&limit=2', h.token)
    expect(page1.status).toBe(200)
    expect(page1.body.count).toBe(3)
    expect(page1.body.page).toBe(1)
    expect(page1.body.limit).toBe(2)
    expect(page1.body.data.map((k: { id: string }) => k.id)).toEqual([made[2], made[1]])
    const page2 = await call(app, 'get', '/admin/keys?category=listing&limit=2&page=2', h.token)
    expect(page2.body.data.map((k: { id: string }) => k.id)).toEqual([made[0]])
    const byUser = await call(app, 'get', '/admin/keys?user_id=lister&status=active', h.token)
    expect(byUser.body.count).toBe(3)
    const none = await call(app, 'get', '/admin/keys?user_id=lister&status=inactive', h.token)
    expect(none.body).toMatchObject({ data: [], count: 0 })
  })

  it('GET /keys validates page, limit and filters', async () => {
    const app = h.app()
    for (const q of [
      'limit=101',
      'limit=0',
      'page=0',
      'page=abc',
      'status=deleted',
      'page=1&page=2',
    ]) {
      const res = await call(app, 'get', `/admin/keys?${q}`, h.token)
      expect({ q, status: res.status, code: res.body.code }).toEqual({
        q,
        status: 400,
        code: 'VALIDATION_ERROR',
      })
    }
    expect((await call(app, 'get', '/admin/keys?limit=100', h.token)).status).toBe(200)
  })

  it('GET /keys/:id answers 404 API_KEY_NOT_FOUND for unknown and malformed ids', async () => {
    const app = h.app()
    for (const id of ['00000000000000000000', 'nope', '%20', 'a'.repeat(300)]) {
      const res = await call(app, 'get', `/admin/keys/${id}`, h.token)
      expect(res.status).toBe(404)
      expect(res.body.code).toBe('API_KEY_NOT_FOUND')
      expect(res.body.error).toBe('API key not found')
    }
  })

  it('PUT /keys/:id updates mutable fields; the guard sees the change at once', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Old name', quotas: { daily: 5 } })
    const res = await call(app, 'put', `/admin/keys/${data.id}`, h.token, {
      name: 'New name',
      status: 'inactive',
      quotas: { daily: 10 },
    })
    expect(res.status).toBe(200)
    expect(res.body.data).toMatchObject({ id: data.id, name: 'New name', status: 'inactive' })
    expect(res.body.data.quotas).toEqual({ daily: 10 })
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    const denied = await request(guarded).get('/r').set('X-API-Key', data.api_key)
    expect(denied.body.code).toBe('INACTIVE_API_KEY')
  })

  it('PUT /keys/:id errors: 404 unknown key, 400 bad field, 400 user_id (cannot change)', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Fixed' })
    expect(
      (await call(app, 'put', '/admin/keys/00000000000000000000', h.token, { name: 'x' })).body
        .code,
    ).toBe('API_KEY_NOT_FOUND')
    const bad = await call(app, 'put', `/admin/keys/${data.id}`, h.token, { status: 'paused' })
    expect(bad.status).toBe(400)
    expect(bad.body.details).toMatchObject({ field: 'status' })
    const user = await call(app, 'put', `/admin/keys/${data.id}`, h.token, { user_id: 7 })
    expect(user.status).toBe(400)
    expect(user.body.details.field).toBe('user_id')
  })

  it('DELETE /keys/:id deletes a never-used key; 409 KEY_IN_USE once used; 404 after', async () => {
    const app = h.app()
    const fresh = await h.keys.create({ name: 'Unused' })
    const del = await call(app, 'delete', `/admin/keys/${fresh.data.id}`, h.token)
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ data: { message: 'API key deleted successfully' } })
    expect((await call(app, 'get', `/admin/keys/${fresh.data.id}`, h.token)).status).toBe(404)
    expect((await call(app, 'delete', `/admin/keys/${fresh.data.id}`, h.token)).status).toBe(404)

    const used = await h.keys.create({ name: 'Used' })
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    expect((await request(guarded).get('/r').set('X-API-Key', used.data.api_key)).status).toBe(200)
    const refused = await call(app, 'delete', `/admin/keys/${used.data.id}`, h.token)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('KEY_IN_USE')
    expect(refused.body.error).toMatch(/deactivate it instead/)
    expect((await call(app, 'get', `/admin/keys/${used.data.id}`, h.token)).status).toBe(200)
  })

  it('DELETE /keys/:id: 409 KEY_IN_USE also for a key whose only history is rejected requests', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Only refused', quotas: { total: 0 } })
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    expect((await request(guarded).get('/r').set('X-API-Key', data.api_key)).status).toBe(401)
    await flushRequestLogs(h.store)
    expect((await h.keys.requests(data.id)).data.count).toBe(1)
    const refused = await call(app, 'delete', `/admin/keys/${data.id}`, h.token)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('KEY_IN_USE')
    // Its history is kept.
    expect((await h.keys.requests(data.id)).data.count).toBe(1)
  })

  it('POST /keys/:id/regenerate: new secret, same id and expires_at; grace keeps the old one alive', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Rotate', expires_at: '2099-01-01T00:00:00Z' })
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    const status = async (token: string) =>
      (await request(guarded).get('/r').set('X-API-Key', token)).status

    const now = await call(app, 'post', `/admin/keys/${data.id}/regenerate`, h.token)
    expect(now.status).toBe(200)
    expect(now.body.data.id).toBe(data.id)
    expect(now.body.data.expires_at).toBe('2099-01-01T00:00:00.000Z')
    expect(now.body.data.api_key).not.toBe(data.api_key)
    expect(await status(data.api_key)).toBe(401)
    expect(await status(now.body.data.api_key)).toBe(200)

    const graced = await call(app, 'post', `/admin/keys/${data.id}/regenerate`, h.token, {
      grace_seconds: 300,
    })
    expect(graced.status).toBe(200)
    expect(await status(now.body.data.api_key)).toBe(200)
    expect(await status(graced.body.data.api_key)).toBe(200)

    const bad = await call(app, 'post', `/admin/keys/${data.id}/regenerate`, h.token, {
      grace_seconds: -5,
    })
    expect(bad.status).toBe(400)
    expect(bad.body.details.field).toBe('grace_seconds')
    const missing = await call(app, 'post', '/admin/keys/00000000000000000000/regenerate', h.token)
    expect(missing.body.code).toBe('API_KEY_NOT_FOUND')
  })

  it('GET /keys/:id/usage and /requests answer 404 for an unknown key', async () => {
    const app = h.app()
    for (const path of ['usage', 'requests']) {
      const res = await call(app, 'get', `/admin/keys/00000000000000000000/${path}`, h.token)
      expect(res.status).toBe(404)
      expect(res.body.code).toBe('API_KEY_NOT_FOUND')
    }
  })

  it('GET /keys/:id/requests validates page and limit', async () => {
    const { data } = await h.keys.create({ name: 'Paged' })
    const res = await call(h.app(), 'get', `/admin/keys/${data.id}/requests?limit=500`, h.token)
    expect(res.status).toBe(400)
    expect(res.body.details).toMatchObject({ field: 'limit', message: 'max 100' })
  })

  // After every test of the file, however it is run (alone, filtered or in the full suite).
  afterAll(() => {
    expect(h.unexpected).toEqual([])
  })
})
