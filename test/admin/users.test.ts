// The /users routes of adminRouter: CRUD, keys, usage, plan users, errors, audit; on both stores.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('adminRouter /users (%s store)', (kind) => {
  const h = useAdmin(kind)

  it('creates users with the next whole-number id, lists, gets, updates and deletes them', async () => {
    const app = h.app()
    const a = await call(app, 'post', '/admin/users', h.token, {
      name: 'Ada',
      email: 'ada@example.com',
    })
    expect(a.status).toBe(201)
    expect(a.body.data).toEqual({
      user_id: expect.any(Number),
      name: 'Ada',
      email: 'ada@example.com',
      is_disabled: false,
      plan_id: null,
      custom_start: null,
      created_at: expect.any(String),
      updated_at: a.body.data.created_at,
    })
    const b = await call(app, 'post', '/admin/users', h.token, { name: 'Bob' })
    expect(b.body.data.user_id).toBe(a.body.data.user_id + 1)
    // An explicit id that the sequence would give next is skipped by it.
    const taken = b.body.data.user_id + 1
    expect(
      (await call(app, 'post', '/admin/users', h.token, { user_id: taken, name: 'C' })).status,
    ).toBe(201)
    const d = await call(app, 'post', '/admin/users', h.token, { name: 'D' })
    expect(d.body.data.user_id).toBe(taken + 1)

    const listed = await call(app, 'get', '/admin/users', h.token)
    expect(listed.status).toBe(200)
    expect(listed.body.count).toBe(listed.body.data.length)
    const ids = listed.body.data.map((u: { user_id: number }) => u.user_id)
    expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y))
    expect(ids).toEqual(expect.arrayContaining([a.body.data.user_id, taken]))

    const id = a.body.data.user_id
    expect((await call(app, 'get', `/admin/users/${id}`, h.token)).body.data.name).toBe('Ada')
    const updated = await call(app, 'put', `/admin/users/${id}`, h.token, {
      name: 'Ada L.',
      email: null,
      custom_start: '2026-01-15T00:00:00Z',
    })
    expect(updated.status).toBe(200)
    expect(updated.body.data).toMatchObject({
      user_id: id,
      name: 'Ada L.',
      email: null,
      custom_start: '2026-01-15T00:00:00.000Z',
    })
    const deleted = await call(app, 'delete', `/admin/users/${id}`, h.token)
    expect(deleted.body).toEqual({ data: { message: 'User deleted successfully' } })
    const gone = await call(app, 'get', `/admin/users/${id}`, h.token)
    expect(gone.status).toBe(404)
    expect(gone.body).toEqual({
      error: 'User not found',
      code: 'USER_NOT_FOUND',
      details: { user_id: String(id) },
    })
  })

  it('takes string ids that keys already use; "123" and 123 name one user', async () => {
    const app = h.app()
    const s = await call(app, 'post', '/admin/users', h.token, {
      user_id: 'team-blue',
      name: 'Blue',
    })
    expect(s.status).toBe(201)
    expect(s.body.data.user_id).toBe('team-blue')
    const n = await call(app, 'post', '/admin/users', h.token, {
      user_id: '90210',
      name: 'Numeric',
    })
    expect(n.body.data.user_id).toBe(90210)
    const again = await call(app, 'post', '/admin/users', h.token, {
      user_id: 90210,
      name: 'Twice',
    })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('CONFLICT')
    expect((await call(app, 'get', '/admin/users/team-blue', h.token)).body.data.name).toBe('Blue')
  })

  it('lists and creates the keys of a user; keys of other users stay out', async () => {
    const app = h.app()
    const user = (await call(app, 'post', '/admin/users', h.token, { name: 'Keyholder' })).body.data
    const other = (await call(app, 'post', '/admin/users', h.token, { name: 'Other' })).body.data
    const made = await call(app, 'post', `/admin/users/${user.user_id}/keys`, h.token, {
      name: 'Made here',
      scopes: ['read'],
    })
    expect(made.status).toBe(201)
    expect(made.body.data).toMatchObject({
      name: 'Made here',
      user_id: user.user_id,
      scopes: ['read'],
    })
    expect(made.body.data.api_key).toMatch(/^kg_sk_/)
    // The generic route with the user's id lands on the same user.
    await call(app, 'post', '/admin/keys', h.token, {
      name: 'Via /keys',
      user_id: String(user.user_id),
    })
    await call(app, 'post', '/admin/keys', h.token, { name: 'Not theirs', user_id: other.user_id })

    const listed = await call(app, 'get', `/admin/users/${user.user_id}/keys`, h.token)
    expect(listed.status).toBe(200)
    expect(listed.body.data.map((k: { name: string }) => k.name).sort()).toEqual([
      'Made here',
      'Via /keys',
    ])
    expect(listed.body.count).toBe(2)
    expect(listed.body.data[0].api_key).toBeUndefined()

    const wrongUser = await call(app, 'post', `/admin/users/${user.user_id}/keys`, h.token, {
      name: 'x',
      user_id: other.user_id,
    })
    expect(wrongUser.status).toBe(400)
    expect(wrongUser.body.code).toBe('VALIDATION_ERROR')
    expect((await call(app, 'get', '/admin/users/424242/keys', h.token)).status).toBe(404)
    expect(
      (await call(app, 'post', '/admin/users/424242/keys', h.token, { name: 'x' })).status,
    ).toBe(404)
  })

  it('refuses to delete a user who has keys: 409 USER_IN_USE', async () => {
    const app = h.app()
    const user = (await call(app, 'post', '/admin/users', h.token, { name: 'Busy' })).body.data
    const key = (
      await call(app, 'post', `/admin/users/${user.user_id}/keys`, h.token, { name: 'k' })
    ).body.data
    const refused = await call(app, 'delete', `/admin/users/${user.user_id}`, h.token)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('USER_IN_USE')
    expect(refused.body.details).toEqual({ user_id: user.user_id, keys: 1 })
    expect(refused.body.error).toMatch(/delete them/)
    expect((await call(app, 'get', `/admin/users/${user.user_id}`, h.token)).status).toBe(200)

    expect((await call(app, 'delete', `/admin/keys/${key.id}`, h.token)).status).toBe(200)
    expect((await call(app, 'delete', `/admin/users/${user.user_id}`, h.token)).status).toBe(200)
  })

  it("embeds the user's plan, lists a plan's users, and guards plan deletion", async () => {
    const app = h.app()
    const planId = `upl-${kind}`
    await call(app, 'post', '/admin/plans', h.token, {
      id: planId,
      name: 'Users plan',
      quotas: { daily: 100 },
    })
    const missing = await call(app, 'post', '/admin/users', h.token, { name: 'x', plan_id: 'nope' })
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('PLAN_NOT_FOUND')
    const user = (
      await call(app, 'post', '/admin/users', h.token, { name: 'Planned', plan_id: planId })
    ).body.data
    expect(user.plan).toMatchObject({ id: planId, name: 'Users plan' })
    expect(
      (await call(app, 'get', `/admin/users/${user.user_id}`, h.token)).body.data.plan.id,
    ).toBe(planId)

    const ofPlan = await call(app, 'get', `/admin/plans/${planId}/users`, h.token)
    expect(ofPlan.status).toBe(200)
    expect(ofPlan.body.data.plan.id).toBe(planId)
    expect(ofPlan.body.data.users.map((u: { user_id: number }) => u.user_id)).toEqual([
      user.user_id,
    ])
    expect((await call(app, 'get', '/admin/plans/none-such/users', h.token)).status).toBe(404)

    const inUse = await call(app, 'delete', `/admin/plans/${planId}`, h.token)
    expect(inUse.status).toBe(409)
    expect(inUse.body.code).toBe('PLAN_IN_USE')
    await call(app, 'put', `/admin/users/${user.user_id}`, h.token, { plan_id: null })
    expect((await call(app, 'delete', `/admin/plans/${planId}`, h.token)).status).toBe(200)
  })

  it('gives an inactive plan to no new user; a user already on it keeps it through edits', async () => {
    const app = h.app()
    const planId = `inactive-${kind}`
    await call(app, 'post', '/admin/plans', h.token, {
      id: planId,
      name: 'Old',
      quotas: { daily: 5 },
    })
    const kept = (
      await call(app, 'post', '/admin/users', h.token, { name: 'Early', plan_id: planId })
    ).body.data
    await call(app, 'put', `/admin/plans/${planId}`, h.token, { is_active: false })
    const refused = await call(app, 'post', '/admin/users', h.token, {
      name: 'Late',
      plan_id: planId,
    })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ code: 'PLAN_INACTIVE', details: { plan_id: planId } })
    const other = (await call(app, 'post', '/admin/users', h.token, { name: 'Other' })).body.data
    const moved = await call(app, 'put', `/admin/users/${other.user_id}`, h.token, {
      plan_id: planId,
    })
    expect(moved.status).toBe(409)
    expect(moved.body.code).toBe('PLAN_INACTIVE')
    const edited = await call(app, 'put', `/admin/users/${kept.user_id}`, h.token, {
      name: 'Early bird',
      plan_id: planId,
    })
    expect(edited.status).toBe(200)
    expect(edited.body.data).toMatchObject({ name: 'Early bird', plan_id: planId })
  })

  it("reports a user's usage in its plan's period with Limitly's fields", async () => {
    const app = h.app()
    const planId = `usage-${kind}`
    await call(app, 'post', '/admin/plans', h.token, {
      id: planId,
      name: 'Metered',
      quotas: { daily: 10 },
    })
    const user = (
      await call(app, 'post', '/admin/users', h.token, { name: 'Meter', plan_id: planId })
    ).body.data
    const key = (
      await call(app, 'post', `/admin/users/${user.user_id}/keys`, h.token, { name: 'k' })
    ).body.data
    const guarded = express().get('/r', apiKeyGuard({ store: h.store }), (_req, res) => {
      res.json({ ok: true })
    })
    for (let i = 0; i < 3; i++) {
      const res = await request(guarded).get('/r').set('Authorization', `Bearer ${key.api_key}`)
      expect(res.status).toBe(200)
    }
    const plain = await call(app, 'get', `/admin/users/${user.user_id}/usage`, h.token)
    expect(plain.status).toBe(200)
    expect(plain.body.data).toMatchObject({
      type: 'user',
      user_name: 'Meter',
      plan_name: 'Metered',
      current_usage: 3,
      limit: 10,
      percentage_used: 30,
      is_unlimited: false,
      keys_count: 1,
    })
    expect(Date.parse(plain.body.data.period_end)).toBeGreaterThan(
      Date.parse(plain.body.data.period_start),
    )

    const free = (await call(app, 'post', '/admin/users', h.token, { name: 'Free' })).body.data
    const unlimited = await call(app, 'get', `/admin/users/${free.user_id}/usage`, h.token)
    expect(unlimited.body.data).toMatchObject({
      type: 'user',
      user_name: 'Free',
      plan_name: null,
      limit: null,
      is_unlimited: true,
      current_usage: 0,
    })
  })

  it("accepts user_id on PUT /keys/:id only when it is the key's own", async () => {
    const app = h.app()
    const user = (await call(app, 'post', '/admin/users', h.token, { name: 'Owner' })).body.data
    const key = (
      await call(app, 'post', `/admin/users/${user.user_id}/keys`, h.token, { name: 'k' })
    ).body.data
    const same = await call(app, 'put', `/admin/keys/${key.id}`, h.token, {
      name: 'renamed',
      user_id: user.user_id,
    })
    expect(same.status).toBe(200)
    expect(same.body.data).toMatchObject({ name: 'renamed', user_id: user.user_id })
    const moved = await call(app, 'put', `/admin/keys/${key.id}`, h.token, {
      user_id: user.user_id + 1000,
    })
    expect(moved.status).toBe(400)
    expect(moved.body.code).toBe('VALIDATION_ERROR')
    expect(moved.body.details.field).toBe('user_id')
    expect(moved.body.details.message).toMatch(/cannot move to another user/)
  })

  it('answers 400 VALIDATION_ERROR for bad bodies and never a 500', async () => {
    const app = h.app()
    const cases: unknown[] = [
      {},
      { name: '' },
      { name: 'x', email: 'not-an-email' },
      { name: 'x', user_id: 0 },
      { name: 'x', user_id: 1.5 },
      { name: 'x', user_id: 'has space' },
      { name: 'x', custom_start: 'soon' },
      { name: 'x', is_disabled: 'yes' },
      { name: 'x', unknown: 1 },
      [],
      'text',
    ]
    for (const body of cases) {
      const res = await call(app, 'post', '/admin/users', h.token, body)
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_ERROR'])
    }
    const user = (await call(app, 'post', '/admin/users', h.token, { name: 'Valid' })).body.data
    for (const body of [{ user_id: 5 }, { is_disabled: 1 }, { plan_id: '' }]) {
      const res = await call(app, 'put', `/admin/users/${user.user_id}`, h.token, body)
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_ERROR'])
    }
    expect((await call(app, 'get', `/admin/users/${'x'.repeat(300)}`, h.token)).status).toBe(404)
    expect((await call(app, 'get', '/admin/users/%00', h.token)).status).toBe(404)
    expect(h.unexpected).toEqual([])
  })

  it('records user.create, user.update and user.delete in the audit trail', async () => {
    const app = h.app()
    const user = (await call(app, 'post', '/admin/users', h.token, { name: 'Audited' })).body.data
    await call(app, 'put', `/admin/users/${user.user_id}`, h.token, { is_disabled: true })
    // An update that changes nothing records nothing.
    await call(app, 'put', `/admin/users/${user.user_id}`, h.token, { is_disabled: true })
    await call(app, 'delete', `/admin/users/${user.user_id}`, h.token)
    const trail = await call(
      app,
      'get',
      `/admin/audit?target_type=user&target_id=${user.user_id}`,
      h.token,
    )
    expect(trail.body.data.map((r: { action: string }) => r.action)).toEqual([
      'user.delete',
      'user.update',
      'user.create',
    ])
    expect(trail.body.data[1].changes).toEqual({ is_disabled: { from: false, to: true } })
  })
})
