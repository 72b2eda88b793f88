// POST /keys/:id/revoke: permanent; the key stops on the next request, never changes again, keeps its history.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs } from '../../src'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('revoking a key (%s store)', (kind) => {
  const h = useAdmin(kind)
  const guarded = () =>
    express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })

  it('stops the key on the next request and keeps its history', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'To revoke', quotas: { total: 10 } })
    expect((await request(guarded()).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)

    const revoked = await call(app, 'post', `/admin/keys/${data.id}/revoke`, h.token)
    expect(revoked.status).toBe(200)
    expect(revoked.body.data).toMatchObject({ id: data.id, status: 'revoked' })
    expect(revoked.headers.etag).toMatch(/^"\d+"$/)

    const denied = await request(guarded()).get('/r').set('X-API-Key', data.api_key)
    expect(denied.status).toBe(401)
    expect(denied.body.code).toBe('INACTIVE_API_KEY')

    await flushRequestLogs(h.store)
    expect((await h.keys.requests(data.id)).data.count).toBe(2)
    expect((await h.keys.usage(data.id)).data.windows[0]).toMatchObject({ used: 1 })
    const listed = await call(app, 'get', '/admin/keys?status=revoked&limit=100', h.token)
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(data.id)
  })

  it('is permanent: no reactivation, no edit, no new secret; revoking again changes nothing', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Final' })
    await call(app, 'post', `/admin/keys/${data.id}/revoke`, h.token)

    for (const change of [{ status: 'active' }, { name: 'Renamed' }]) {
      const res = await call(app, 'put', `/admin/keys/${data.id}`, h.token, change)
      expect(res.status).toBe(409)
      expect(res.body.code).toBe('CONFLICT')
      expect(res.body.error).toMatch(/is revoked: it can never be changed or reactivated/)
    }
    const regenerated = await call(app, 'post', `/admin/keys/${data.id}/regenerate`, h.token, {})
    expect(regenerated.status).toBe(409)

    const again = await call(app, 'post', `/admin/keys/${data.id}/revoke`, h.token)
    expect(again.status).toBe(200)
    expect(again.body.data.status).toBe('revoked')
    const audit = await call(app, 'get', `/admin/audit?target_id=${data.id}`, h.token)
    // One record for the one change (the key was created through KeyManager: not audited).
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(['key.revoke'])
    expect((await h.keys.get(data.id)).data.name).toBe('Final')
  })

  it('kills the client tokens minted from the key', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Parent' })
    const minted = await h.keys.tokens.create({ key_id: data.id, ttl_seconds: 600 })
    const token = minted.data.token
    expect((await request(guarded()).get('/r').set('X-API-Key', token)).status).toBe(200)
    await call(app, 'post', `/admin/keys/${data.id}/revoke`, h.token)
    const res = await request(guarded()).get('/r').set('X-API-Key', token)
    expect(res.status).toBe(401)
  })

  it('status "revoked" cannot be set with PUT, and an unknown key is 404', async () => {
    const app = h.app()
    const { data } = await h.keys.create({ name: 'Not like this' })
    const res = await call(app, 'put', `/admin/keys/${data.id}`, h.token, { status: 'revoked' })
    expect(res.status).toBe(400)
    expect(res.body.details.message).toMatch(/POST \/keys\/:id\/revoke/)
    const missing = await call(app, 'post', '/admin/keys/00000000000000000000/revoke', h.token)
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('API_KEY_NOT_FOUND')
  })
})
