// POST /keys/import: rows in, {created, skipped, errors} out; a bad body is a 400, never a 500.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { derivedIdOfToken } from '../../src/token'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('POST /keys/import (%s store)', (kind) => {
  const h = useAdmin(kind)
  const guarded = () =>
    express().get('/r', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({ id: _q.apiKey?.id })
    })

  it('imports rows, reports bad ones by index + 1, and skips them all on a re-run', async () => {
    const app = h.app()
    const body = {
      keys: [
        { api_key: `http_${kind}_key_number_1`, name: 'One', user_id: 7 },
        { api_key: 'nope' },
        { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', name: 'Empty' },
        'not an object',
      ],
    }
    const first = await call(app, 'post', '/admin/keys/import', h.token, body)
    expect(first.status).toBe(200)
    expect(first.body.data.created).toBe(2)
    expect(first.body.data.skipped).toBe(0)
    expect(first.body.data.errors.map((e: { line: number }) => e.line)).toEqual([2, 4])
    const again = await call(app, 'post', '/admin/keys/import', h.token, body)
    expect(again.body.data).toMatchObject({ created: 0, skipped: 2 })

    const res = await request(guarded()).get('/r').set('X-API-Key', `http_${kind}_key_number_1`)
    expect(res.status).toBe(200)
    expect(res.body.id).toBe(derivedIdOfToken(`http_${kind}_key_number_1`))
    // The derived id works everywhere a key id does.
    const got = await call(app, 'get', `/admin/keys/${res.body.id}`, h.token)
    expect(got.body.data).toMatchObject({ name: 'One', user_id: 7 })
    const audit = await call(app, 'get', `/admin/audit?target_id=${res.body.id}`, h.token)
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(['key.create'])
  })

  it('answers 400 VALIDATION_ERROR for bad bodies, never a 500', async () => {
    const app = h.app()
    const bad: unknown[] = [
      {},
      { keys: 'x' },
      { keys: [] },
      { keys: [{ api_key: 'abcdefgh' }], extra: 1 },
      { keys: Array.from({ length: 1001 }, (_, i) => ({ api_key: `k${i}-padding` })) },
      'a string',
      42,
      null,
    ]
    for (const body of bad) {
      const res = await call(app, 'post', '/admin/keys/import', h.token, body)
      expect(res.status).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    const malformed = await request(app)
      .post('/admin/keys/import')
      .set('Authorization', `Bearer ${h.token}`)
      .type('json')
      .send('{"keys": [')
    expect(malformed.status).toBe(400)
    expect((await call(app, 'get', '/admin/keys/import', h.token)).status).toBe(405)
    expect(h.unexpected).toEqual([])
  })

  it('takes a bare array as the body too', async () => {
    const res = await call(h.app(), 'post', '/admin/keys/import', h.token, [
      { api_key: `bare_${kind}_array_row` },
    ])
    expect(res.status).toBe(200)
    expect(res.body.data.created).toBe(1)
  })
})
