// Credits (POST /keys/:id/credits, keys.credits): a key's total quota as a prepaid balance, set and topped up atomically.

import express, { type Express } from 'express'
import request from 'supertest'
import {
  adminRouter,
  apiKeyGuard,
  createVerifier,
  KeyManager,
  RedisStore,
  type Store,
} from '../../src'
import { useStore } from '../harness/guard'
import { testRedisUrl } from '../harness/redis'
import { STORE_KINDS, type StoreKind } from '../harness/stores'

describe.each(STORE_KINDS)('credits (%s)', (kind: StoreKind) => {
  const c = useStore(kind)
  let admin = ''
  let app: Express
  beforeAll(async () => {
    admin = (await c.keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })).data.api_key
    app = express()
    app.get('/r', apiKeyGuard({ store: c.store, requestLog: false }), (req, res) => {
      res.json({ total: req.apiKey?.quotas.total ?? null })
    })
    app.use('/admin', adminRouter({ store: c.store }))
  })
  const spend = (token: string) => request(app).get('/r').set('Authorization', `Bearer ${token}`)
  const post = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    request(app)
      .post(`/admin/keys/${id}/credits`)
      .set({ Authorization: `Bearer ${admin}`, ...headers })
      .type('json')
      .send(JSON.stringify(body))

  it('set leaves exactly the amount, increment adds to what is left, decrement stops at zero', async () => {
    const { data } = await c.keys.create({ name: 'prepaid' })
    // Without a total quota there is no balance to move.
    await expect(c.keys.credits(data.id, { op: 'increment', amount: 1 })).rejects.toMatchObject({
      status: 409,
      code: 'CONFLICT',
    })
    for (let i = 0; i < 2; i++) expect((await spend(data.api_key)).status).toBe(200)
    const set = await c.keys.credits(data.id, { op: 'set', amount: 3 })
    expect(set.credits).toEqual({
      op: 'set',
      amount: 3,
      used: 2,
      limit: 5,
      remaining: 3,
      remaining_before: null,
    })
    expect(set.data.quotas.total).toBe(5)
    expect((await c.keys.get(data.id)).data.quotas.total).toBe(5)
    expect((await spend(data.api_key)).body).toEqual({ total: 5 })
    const up = await c.keys.credits(data.id, { op: 'increment', amount: 4 })
    expect(up.credits).toMatchObject({ used: 3, limit: 9, remaining: 6, remaining_before: 2 })
    const down = await c.keys.credits(data.id, { op: 'decrement', amount: 100 })
    expect(down.credits).toMatchObject({ used: 3, limit: 3, remaining: 0, remaining_before: 6 })
    expect((await spend(data.api_key)).status).toBe(401)
    await c.keys.credits(data.id, { op: 'increment', amount: 1 })
    expect((await spend(data.api_key)).status).toBe(200)
    expect((await spend(data.api_key)).status).toBe(401)
    const usage = (await c.keys.usage(data.id)).data
    expect(usage.windows.find((w) => w.period === 'total')).toMatchObject({
      used: 4,
      limit: 4,
      remaining: 0,
    })
  })

  it('tops up from zero when an edit left the limit below what was used', async () => {
    const { data } = await c.keys.create({ name: 'overdrawn', quotas: { total: 10 } })
    for (let i = 0; i < 3; i++) await spend(data.api_key)
    await c.keys.update(data.id, { quotas: { total: 1 } })
    const { credits } = await c.keys.credits(data.id, { op: 'increment', amount: 2 })
    expect(credits).toMatchObject({ used: 3, limit: 5, remaining: 2, remaining_before: 0 })
  })

  it('POST /keys/:id/credits answers the key, its balance and its version; audited', async () => {
    const { data } = await c.keys.create({ name: 'rest', quotas: { total: 1 } })
    const res = await post(data.id, { op: 'increment', amount: 9 })
    expect(res.status).toBe(200)
    expect(res.body.data).toMatchObject({ id: data.id, quotas: { total: 10 } })
    expect(res.body.data.api_key).toBeUndefined()
    expect(res.body.credits).toEqual({
      op: 'increment',
      amount: 9,
      used: 0,
      limit: 10,
      remaining: 10,
      remaining_before: 1,
    })
    const read = await request(app)
      .get(`/admin/keys/${data.id}`)
      .set('Authorization', `Bearer ${admin}`)
    expect(res.headers.etag).toBe(read.headers.etag)
    expect((await post(data.id, { op: 'set', amount: 1 }, { 'If-Match': '"1"' })).status).toBe(409)
    const audit = (
      await request(app)
        .get(`/admin/audit?action=key.credits&target_id=${data.id}`)
        .set('Authorization', `Bearer ${admin}`)
    ).body
    expect(audit.data).toHaveLength(1)
    expect(audit.data[0].changes).toMatchObject({
      quotas: { from: { total: 1 }, to: { total: 10 } },
      increment: { from: null, to: 9 },
      credits: { from: 1, to: 10 },
    })
  })

  it('refuses bad bodies (400), unknown keys (404) and revoked keys (409)', async () => {
    const { data } = await c.keys.create({ name: 'strict', quotas: { total: 1 } })
    const bad: unknown[] = [
      {},
      { op: 'add', amount: 1 },
      { op: 'set' },
      { op: 'set', amount: -1 },
      { op: 'set', amount: 1.5 },
      { op: 'set', amount: '5' },
      { op: 'set', amount: 1e13 },
      { op: 'set', amount: 1, extra: true },
      [1],
    ]
    for (const body of bad) {
      const res = await post(data.id, body)
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_ERROR',
      })
    }
    expect((await post('00000000000000000000', { op: 'set', amount: 1 })).status).toBe(404)
    await c.keys.revoke(data.id)
    const revoked = await post(data.id, { op: 'set', amount: 1 })
    expect([revoked.status, revoked.body.code]).toEqual([409, 'CONFLICT'])
    expect((await c.keys.get(data.id)).data.quotas.total).toBe(1)
  })
})

/** Stores over the same data: on Redis, separate connections (commands of each interleave in Redis). */
function sameData(kind: StoreKind, store: Store, prefix: string, n: number): Store[] {
  if (kind === 'memory') return Array.from({ length: n }, () => store)
  return Array.from(
    { length: n },
    () => new RedisStore({ url: testRedisUrl(), prefix, commandTimeout: 5000 }),
  )
}

describe.each(STORE_KINDS)('credits racing traffic (%s)', (kind: StoreKind) => {
  const c = useStore(kind)
  const prefixOf = (store: Store): string => (store instanceof RedisStore ? store.prefix : '')

  it('never over-admits and never loses a top-up', async () => {
    const stores = sameData(kind, c.store, prefixOf(c.store), 4)
    try {
      const { data } = await c.keys.create({ name: 'race', quotas: { total: 0 } })
      const verifiers = stores.map((store) =>
        createVerifier({ store, requestLog: false, ipBlock: false, timeout: 5000 }),
      )
      const managers = stores.map((store) => new KeyManager(store))
      const TOPUPS = 40
      const REQUESTS = 200
      const traffic = Array.from({ length: REQUESTS }, (_, i) =>
        (verifiers[i % verifiers.length] as (typeof verifiers)[number])
          .verifyRequest({ token: data.api_key })
          .then((r) => r.allowed),
      )
      const topups = Array.from({ length: TOPUPS }, (_, i) =>
        (managers[i % managers.length] as KeyManager).credits(data.id, {
          op: 'increment',
          amount: 1,
        }),
      )
      const [admitted, done] = await Promise.all([Promise.all(traffic), Promise.all(topups)])
      const allowed = admitted.filter(Boolean).length
      // Every top-up landed once: the limit is their sum, each answer saw a new version.
      expect((await c.keys.get(data.id)).data.quotas.total).toBe(TOPUPS)
      expect(new Set(done.map((d) => d.credits.limit)).size).toBe(TOPUPS)
      expect(allowed).toBeLessThanOrEqual(TOPUPS)
      const total = (await c.keys.usage(data.id)).data.windows.find((w) => w.period === 'total')
      expect(total).toMatchObject({ used: allowed, limit: TOPUPS, remaining: TOPUPS - allowed })
      // What is left is admitted exactly, and no more.
      const after = await Promise.all(
        Array.from({ length: TOPUPS - allowed + 10 }, (_, i) =>
          (verifiers[i % verifiers.length] as (typeof verifiers)[number])
            .verifyRequest({ token: data.api_key })
            .then((r) => r.allowed),
        ),
      )
      expect(after.filter(Boolean).length).toBe(TOPUPS - allowed)
    } finally {
      if (kind === 'redis') await Promise.all(stores.map((s) => s.close()))
    }
  })

  it('set and decrement racing traffic keep used <= limit, and admit exactly what they leave', async () => {
    const stores = sameData(kind, c.store, prefixOf(c.store), 4)
    try {
      const { data } = await c.keys.create({ name: 'race-down', quotas: { total: 100 } })
      const verifiers = stores.map((store) =>
        createVerifier({ store, requestLog: false, ipBlock: false, timeout: 5000 }),
      )
      const managers = stores.map((store) => new KeyManager(store))
      const ops = [
        { op: 'decrement', amount: 7 },
        { op: 'set', amount: 20 },
        { op: 'decrement', amount: 3 },
        { op: 'increment', amount: 5 },
      ] as const
      const traffic = Array.from({ length: 150 }, (_, i) =>
        (verifiers[i % verifiers.length] as (typeof verifiers)[number])
          .verifyRequest({ token: data.api_key })
          .then((r) => r.allowed),
      )
      const changes = Array.from({ length: 24 }, (_, i) =>
        (managers[i % managers.length] as KeyManager).credits(
          data.id,
          ops[i % ops.length] as (typeof ops)[number],
        ),
      )
      const [admitted, answers] = await Promise.all([Promise.all(traffic), Promise.all(changes)])
      for (const a of answers) {
        expect(a.credits.used).toBeLessThanOrEqual(a.credits.limit)
        expect(a.credits.remaining).toBe(a.credits.limit - a.credits.used)
      }
      const total = (await c.keys.usage(data.id)).data.windows.find((w) => w.period === 'total')
      expect(total?.used).toBe(admitted.filter(Boolean).length)
      expect(total?.used).toBeLessThanOrEqual(total?.limit as number)
      const left = total?.remaining as number
      const after = await Promise.all(
        Array.from({ length: left + 5 }, () =>
          (verifiers[0] as (typeof verifiers)[number])
            .verifyRequest({ token: data.api_key })
            .then((r) => r.allowed),
        ),
      )
      expect(after.filter(Boolean).length).toBe(left)
    } finally {
      if (kind === 'redis') await Promise.all(stores.map((s) => s.close()))
    }
  })
})
