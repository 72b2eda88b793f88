// The expiry rule: an expires_at before the store's clock is a 400 VALIDATION_ERROR on create and on update.

import express from 'express'
import request from 'supertest'
import { adminRouter } from '../../src'
import { useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('expires_at in the past (%s)', (kind) => {
  const c = useStore(kind)
  let admin = ''
  beforeAll(async () => {
    admin = (await c.keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })).data.api_key
  })
  const at = (offsetMs: number): string => new Date(c.clock.ms + offsetMs).toISOString()

  it('is refused on create, by the store clock to the millisecond; now itself is accepted', async () => {
    await expect(c.keys.create({ name: 'late', expires_at: at(-1) })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
      details: { field: 'expires_at', message: expect.stringMatching(/must not be in the past/) },
    })
    expect((await c.keys.list({ limit: 100 })).data.map((k) => k.name)).not.toContain('late')
    const now = await c.keys.create({ name: 'now', expires_at: at(0) })
    expect(now.data.expires_at).toBe(at(0))
    const later = await c.keys.create({ name: 'later', expires_at: at(MINUTE) })
    expect(later.data.expires_at).toBe(at(MINUTE))
  })

  it('is refused on update and changes nothing; the value the key has already is no change', async () => {
    const { data } = await c.keys.create({ name: 'moving', expires_at: at(MINUTE) })
    const before = await c.keys.read(data.id)
    await expect(c.keys.update(data.id, { expires_at: at(-MINUTE) })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    })
    expect(await c.keys.read(data.id)).toEqual(before)
    // Once the clock passed it, sending the key's own expiry back (a GET then PUT) is accepted.
    c.clock.advance(2 * MINUTE)
    const same = await c.keys.edit(data.id, { name: 'renamed', expires_at: data.expires_at })
    expect(same.data).toMatchObject({ name: 'renamed', expires_at: data.expires_at })
    expect((await c.keys.update(data.id, { expires_at: null })).data.expires_at).toBeNull()
  })

  it('answers 400 over REST, on POST /keys and PUT /keys/:id', async () => {
    const app = express().use('/admin', adminRouter({ store: c.store }))
    const created = await request(app)
      .post('/admin/keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'rest', expires_at: '2001-01-01T00:00:00Z' })
    expect([created.status, created.body.code, created.body.details.field]).toEqual([
      400,
      'VALIDATION_ERROR',
      'expires_at',
    ])
    const { data } = await c.keys.create({ name: 'rest-ok' })
    const updated = await request(app)
      .put(`/admin/keys/${data.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ expires_at: at(-1) })
    expect([updated.status, updated.body.code]).toEqual([400, 'VALIDATION_ERROR'])
  })
})
