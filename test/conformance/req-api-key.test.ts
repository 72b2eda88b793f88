// req.apiKey: the key's public fields and the token type, never the secret or its hash.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { hashToken } from '../../src/token'
import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('req.apiKey (%s store)', (kind) => {
  const c = useStore(kind)

  it('carries the public record and the token type', async () => {
    const { data } = await c.keys.create({
      name: 'Public',
      user_id: 'u-77',
      category: 'mobile',
      scopes: ['read', 'write'],
      metadata: { team: 'core', tier: 2 },
      quotas: { daily: 10 },
      rate: { per_minute: 60 },
    })
    const res = await call(c.app(), data.api_key)
    expect(res.status).toBe(200)
    const { api_key, last_used_at, ...record } = data
    expect(res.body.apiKey).toEqual({ ...record, token_type: 'sk' })
  })

  it('never carries the secret, the token or its hash', async () => {
    const { data } = await c.keys.create({ name: 'Secretive', type: 'pat', scopes: ['admin'] })
    const res = await call(c.app(), data.api_key)
    expect(res.body.apiKey.token_type).toBe('pat')
    expect(res.body.apiKey.type).toBe('pat')
    const text = JSON.stringify(res.body.apiKey)
    expect(text).not.toContain(data.api_key)
    expect(text).not.toContain(data.api_key.slice(-28, -6))
    expect(text).not.toContain(hashToken(data.api_key))
    expect(Object.keys(res.body.apiKey)).not.toContain('api_key')
  })

  // Defined once on the request prototype (no per-request property definition): not an own
  // property until the app assigns one.
  it('reads, reassigns and deletes like a plain property', async () => {
    const { data } = await c.keys.create({ name: 'Plain', scopes: ['read'] })
    const app = express().get('/p', apiKeyGuard({ store: c.store }), (req, res) => {
      const first = req.apiKey
      const seen = {
        enumerable: Object.keys(req).includes('apiKey'),
        own: Object.hasOwn(req, 'apiKey'),
        same: req.apiKey === first,
        spread: ({ ...req } as { apiKey?: unknown }).apiKey === first,
      }
      if (first) first.name = 'Mutated'
      const mutated = req.apiKey?.name
      req.apiKey = first ? { ...first, name: 'Replaced' } : undefined
      const replaced = req.apiKey?.name
      const ownOnceAssigned = Object.hasOwn(req, 'apiKey')
      delete req.apiKey
      res.json({ seen, mutated, replaced, ownOnceAssigned, deleted: req.apiKey === undefined })
    })
    const res = await request(app).get('/p').set('X-API-Key', data.api_key)
    expect(res.body).toEqual({
      seen: { enumerable: false, own: false, same: true, spread: false },
      mutated: 'Mutated',
      replaced: 'Replaced',
      ownOnceAssigned: true,
      deleted: true,
    })
    // Each request gets its own copy.
    expect((await call(c.app(), data.api_key)).body.apiKey.name).toBe('Plain')
  })

  it('stays readable after the request leaves a mounted sub-app that guarded it', async () => {
    const { data } = await c.keys.create({ name: 'Mounted' })
    const guarded = express().use(apiKeyGuard({ store: c.store }))
    const app = express()
      .use(guarded)
      .get('/p', (req, res) => {
        res.json({ name: req.apiKey?.name ?? null })
      })
    const res = await request(app).get('/p').set('X-API-Key', data.api_key)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ name: 'Mounted' })
  })

  it('reflects an update on the very next request', async () => {
    const { data } = await c.keys.create({ name: 'Before', metadata: { v: 1 } })
    await c.keys.update(data.id, { name: 'After', metadata: { v: 2 } })
    const res = await call(c.app(), data.api_key)
    expect(res.body.apiKey.name).toBe('After')
    expect(res.body.apiKey.metadata).toEqual({ v: 2 })
  })

  it('a rejected request never reaches the route', async () => {
    const { data } = await c.keys.create({ name: 'Limited', quotas: { total: 0 } })
    const res = await call(c.app(), data.api_key)
    expect(res.status).toBe(401)
    expect(res.body.ok).toBeUndefined()
    expect(res.body.apiKey).toBeUndefined()
  })

  it('stamps last_used_at with the store time of the request', async () => {
    const { data } = await c.keys.create({ name: 'Stamped' })
    c.clock.set('2026-07-01T08:00:00.123Z')
    await call(c.app(), data.api_key)
    expect((await c.keys.get(data.id)).data.last_used_at).toBe('2026-07-01T08:00:00.123Z')
  })
})
