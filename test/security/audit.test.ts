// The audit trail: every admin action recorded (actor, target, changed fields, time, IP), no secret in it.

import express from 'express'
import type { Redis } from 'ioredis'
import request from 'supertest'
import {
  adminRouter,
  apiKeyGuard,
  KeyguardConfigError,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
} from '../../src'
import { AuditLog, type AuditRecord, CLI_ACTOR } from '../../src/audit'
import { parseToken } from '../../src/token'
import { call, useAdmin } from '../harness/admin'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'
import { dumpPrefix } from '../harness/scan'
import { secretOf } from '../harness/secrets'
import { STORE_KINDS } from '../harness/stores'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe.each(STORE_KINDS)('audit trail over REST (%s store)', (kind) => {
  const h = useAdmin(kind)
  let adminId = ''
  beforeAll(() => {
    adminId = parseToken(h.token, 'kg')?.id ?? ''
    expect(adminId).not.toBe('')
  })
  afterAll(() => {
    expect(h.unexpected).toEqual([])
  })

  /** Every record about one target, newest first, through the REST API. */
  const recordsOf = async (targetId: string): Promise<AuditRecord[]> => {
    const res = await call(h.app(), 'get', `/admin/audit?limit=100&target_id=${targetId}`, h.token)
    expect(res.status).toBe(200)
    return res.body.data
  }

  it('records each key action once it succeeded, with actor, target, changed fields, time and IP', async () => {
    const app = h.app()
    const t0 = await h.store.now()
    const created = await call(app, 'post', '/admin/keys', h.token, {
      name: 'Audited',
      user_id: 42,
      scopes: ['reports:read'],
      quotas: { daily: 5 },
    })
    expect(created.status).toBe(201)
    const id: string = created.body.data.id
    expect((await call(app, 'put', `/admin/keys/${id}`, h.token, { name: 'Renamed' })).status).toBe(
      200,
    )
    expect(
      (await call(app, 'put', `/admin/keys/${id}`, h.token, { status: 'inactive' })).status,
    ).toBe(200)
    const regenerated = await call(app, 'post', `/admin/keys/${id}/regenerate`, h.token, {
      grace_seconds: 60,
    })
    expect(regenerated.status).toBe(200)
    expect((await call(app, 'delete', `/admin/keys/${id}`, h.token)).status).toBe(200)
    const t1 = await h.store.now()

    const records = await recordsOf(id)
    expect(records.map((r) => r.action)).toEqual([
      'key.delete',
      'key.regenerate',
      'key.deactivate',
      'key.update',
      'key.create',
    ])
    for (const r of records) {
      expect(r.actor).toBe(adminId)
      expect(r.target).toEqual({ type: 'key', id })
      expect(r.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/)
      expect(r.time).toMatch(ISO)
      expect(Date.parse(r.time)).toBeGreaterThanOrEqual(t0)
      expect(Date.parse(r.time)).toBeLessThanOrEqual(t1)
      expect(typeof r.id).toBe('string')
    }
    const [del, regen, deactivate, update, create] = records as [
      AuditRecord,
      AuditRecord,
      AuditRecord,
      AuditRecord,
      AuditRecord,
    ]
    expect(create.changes).toEqual({
      type: { from: null, to: 'sk' },
      name: { from: null, to: 'Audited' },
      user_id: { from: null, to: 42 },
      status: { from: null, to: 'active' },
      scopes: { from: null, to: ['reports:read'] },
      quotas: { from: null, to: { daily: 5 } },
    })
    expect(update.changes).toEqual({ name: { from: 'Audited', to: 'Renamed' } })
    expect(deactivate.changes).toEqual({ status: { from: 'active', to: 'inactive' } })
    expect(regen.changes).toEqual({
      secret: { from: '[redacted]', to: '[redacted]' },
      previous_secret_expires_at: {
        from: null,
        to: new Date(Date.parse(regenerated.body.data.updated_at) + 60000).toISOString(),
      },
    })
    expect(del.changes).toMatchObject({
      name: { from: 'Renamed', to: null },
      status: { from: 'inactive', to: null },
    })
    // Ids order the records, newest first.
    const order = records.map((r) => r.id.split('-').map(Number) as [number, number])
    for (let i = 1; i < order.length; i++) {
      const [ms, seq] = order[i] as [number, number]
      const [newerMs, newerSeq] = order[i - 1] as [number, number]
      expect(newerMs > ms || (newerMs === ms && newerSeq > seq)).toBe(true)
    }
  })

  it('records plan create, update and delete with the changed fields', async () => {
    const app = h.app()
    const planId = `audited-${kind}`
    expect(
      (
        await call(app, 'post', '/admin/plans', h.token, {
          id: planId,
          name: 'Audited plan',
          rate: { per_second: 5 },
        })
      ).status,
    ).toBe(201)
    expect(
      (await call(app, 'put', `/admin/plans/${planId}`, h.token, { quotas: { daily: 100 } }))
        .status,
    ).toBe(200)
    expect((await call(app, 'delete', `/admin/plans/${planId}`, h.token)).status).toBe(200)

    const [del, update, create] = await recordsOf(planId)
    expect(create).toMatchObject({
      action: 'plan.create',
      actor: adminId,
      target: { type: 'plan', id: planId },
      changes: {
        name: { from: null, to: 'Audited plan' },
        rate: { from: null, to: { per_second: 5 } },
        quota_window: { from: null, to: 'rolling' },
        rate_scope: { from: null, to: 'key' },
      },
    })
    expect(update).toMatchObject({
      action: 'plan.update',
      changes: { quotas: { from: {}, to: { daily: 100 } } },
    })
    // Limitly's form of the quota follows it.
    expect(Object.keys(update?.changes ?? {})).toEqual(['quotas', 'max_requests', 'request_period'])
    expect(del).toMatchObject({
      action: 'plan.delete',
      changes: { name: { from: 'Audited plan', to: null } },
    })
  })

  it('records nothing for a refused or failed action', async () => {
    const app = h.app()
    const before = (await call(app, 'get', '/admin/audit', h.token)).body.count as number
    expect((await call(app, 'post', '/admin/keys', h.token, { name: '' })).status).toBe(400)
    expect((await call(app, 'put', '/admin/keys/00000000000000000000', h.token, {})).status).toBe(
      404,
    )
    expect((await call(app, 'delete', '/admin/plans/missing', h.token)).status).toBe(404)
    const used = (await h.keys.create({ name: 'Used' })).data
    const guard = express().get('/x', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({})
    })
    expect((await request(guard).get('/x').set('X-API-Key', used.api_key)).status).toBe(200)
    expect((await call(app, 'delete', `/admin/keys/${used.id}`, h.token)).status).toBe(409)
    expect((await call(app, 'get', '/admin/audit', h.token)).body.count).toBe(before)
  })

  it('takes the IP from req.ip: X-Forwarded-For only with trust proxy', async () => {
    const proxied = express()
    proxied.set('trust proxy', true)
    proxied.use('/admin', adminRouter({ store: h.store, onError: (e) => h.unexpected.push(e) }))
    const direct = h.app()
    const viaProxy = await call(proxied, 'post', '/admin/keys', h.token, { name: 'P' }).set(
      'X-Forwarded-For',
      '203.0.113.9',
    )
    const spoofed = await call(direct, 'post', '/admin/keys', h.token, { name: 'D' }).set(
      'X-Forwarded-For',
      '203.0.113.9',
    )
    const [proxiedRecord] = await recordsOf(viaProxy.body.data.id)
    const [directRecord] = await recordsOf(spoofed.body.data.id)
    expect(proxiedRecord?.ip).toBe('203.0.113.9')
    expect(directRecord?.ip).not.toBe('203.0.113.9')
    expect(directRecord?.ip).toMatch(/127\.0\.0\.1|::1/)
  })

  it('filters by action, target_id and target_type, and paginates with a total count', async () => {
    const app = h.app()
    const ids: string[] = []
    for (const name of ['F1', 'F2', 'F3']) {
      ids.push((await call(app, 'post', '/admin/keys', h.token, { name })).body.data.id)
    }
    for (const id of ids) await call(app, 'put', `/admin/keys/${id}`, h.token, { category: 'f' })

    const all = await call(app, 'get', '/admin/audit?limit=100', h.token)
    expect(all.body.page).toBe(1)
    expect(all.body.limit).toBe(100)
    expect(all.body.count).toBeGreaterThanOrEqual(6)

    const updates = await call(app, 'get', '/admin/audit?action=key.update&limit=100', h.token)
    expect(updates.status).toBe(200)
    expect(updates.body.data.every((r: AuditRecord) => r.action === 'key.update')).toBe(true)
    expect(updates.body.data.length).toBe(updates.body.count)
    const newest = updates.body.data.slice(0, 3).map((r: AuditRecord) => r.target.id)
    expect(newest).toEqual([...ids].reverse())

    const page2 = await call(app, 'get', '/admin/audit?action=key.update&page=2&limit=2', h.token)
    expect(page2.body).toMatchObject({ page: 2, limit: 2, count: updates.body.count })
    expect(page2.body.data.map((r: AuditRecord) => r.id)).toEqual(
      updates.body.data.slice(2, 4).map((r: AuditRecord) => r.id),
    )

    const one = await call(
      app,
      'get',
      `/admin/audit?target_id=${ids[1]}&target_type=key&action=key.create`,
      h.token,
    )
    expect(one.body.count).toBe(1)
    expect(one.body.data[0]).toMatchObject({ action: 'key.create', target: { id: ids[1] } })

    const plansOnly = await call(app, 'get', '/admin/audit?target_type=plan&limit=100', h.token)
    expect(plansOnly.body.data.every((r: AuditRecord) => r.target.type === 'plan')).toBe(true)

    const defaults = await call(app, 'get', '/admin/audit', h.token)
    expect(defaults.body.limit).toBe(10)
    expect(defaults.body.data.length).toBe(Math.min(10, defaults.body.count))
  })

  it('answers 400 on a bad query, as the other routes do', async () => {
    const app = h.app()
    for (const [query, field] of [
      ['action=key.explode', 'action'],
      ['limit=101', 'limit'],
      ['page=0', 'page'],
      ['target_type=account', 'target_type'],
      ['action=a&action=b', 'action'],
    ]) {
      const res = await call(app, 'get', `/admin/audit?${query}`, h.token)
      expect({ query, status: res.status }).toEqual({ query, status: 400 })
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } })
    }
    expect((await call(app, 'post', '/admin/audit', h.token, {})).status).toBe(405)
    const noAuth = await request(app).get('/admin/audit')
    expect(noAuth.status).toBe(401)
    const plain = (await h.keys.create({ name: 'not admin', scopes: ['reports:read'] })).data
    const notAdmin = await request(app).get('/admin/audit').set('X-API-Key', plain.api_key)
    expect(notAdmin.status).toBe(403)
  })

  it('keeps no token, secret or hash in any record, and none in Redis', async () => {
    const app = h.app()
    const fake = `kg_sk_${'A'.repeat(48)}`
    const tokens: string[] = []
    const created = await call(app, 'post', '/admin/keys', h.token, {
      name: 'Secretive',
      metadata: {
        note: `pasted ${fake} by mistake`,
        token: 'plain-secret-value',
        nested: { secret_hash: 'another-secret-value', list: [fake] },
      },
    })
    expect(created.status).toBe(201)
    const id: string = created.body.data.id
    tokens.push(created.body.data.api_key)
    for (const grace of [0, 3600]) {
      const res = await call(app, 'post', `/admin/keys/${id}/regenerate`, h.token, {
        grace_seconds: grace,
      })
      tokens.push(res.body.data.api_key)
    }
    await call(app, 'put', `/admin/keys/${id}`, h.token, { metadata: { token: fake } })
    tokens.push(h.token)

    const records = (await call(app, 'get', '/admin/audit?limit=100', h.token)).body.data
    const fromStore = (await h.store.audit({ page: 1, limit: 100 })).records
    expect(fromStore.length).toBeGreaterThan(3)
    const text = JSON.stringify([records, fromStore])
    for (const token of [...tokens, fake]) {
      expect(text).not.toContain(token)
      expect(text).not.toContain(secretOf(token))
    }
    expect(text).not.toContain('plain-secret-value')
    expect(text).not.toContain('another-secret-value')
    expect(text).not.toMatch(/"api_key"|"hash"|"secretHash"/)
    const [create] = await recordsOf(id).then((r) => r.filter((x) => x.action === 'key.create'))
    expect(create?.changes.metadata?.to).toEqual({
      note: 'pasted [redacted] by mistake',
      token: '[redacted]',
      nested: { secret_hash: '[redacted]', list: ['[redacted]'] },
    })

    if (kind === 'redis') {
      const store = h.store as RedisStore
      const client = newClient()
      try {
        const dump = await dumpPrefix(client, store.prefix)
        const audit = dump.find((k) => k.key === `${store.prefix}audit`)
        expect(audit?.type).toBe('stream')
        const everything = dump.flatMap((k) => [k.key, ...k.values]).join('\n')
        for (const token of tokens) {
          expect(everything).not.toContain(token)
          expect(everything).not.toContain(secretOf(token))
        }
      } finally {
        client.disconnect()
      }
    }
  })

  it('records a client token minted, with its parent, scopes and expiry, never the token', async () => {
    const parent = (await h.keys.create({ name: 'Parent', user_id: 'u-9', scopes: ['a', 'b'] }))
      .data
    const minted = await h.keys.tokens.create({ key_id: parent.id, scopes: ['a'] })
    const log = new AuditLog(h.store)
    const record = await log.tokenCreated({ id: adminId, ip: '198.51.100.4' }, minted.data)
    expect(record).toMatchObject({
      action: 'token.create',
      actor: adminId,
      ip: '198.51.100.4',
      target: { type: 'token', id: parent.id },
      changes: {
        key_id: { from: null, to: parent.id },
        user_id: { from: null, to: 'u-9' },
        scopes: { from: null, to: ['a'] },
        expires_at: { from: null, to: minted.data.expires_at },
      },
    })
    const text = JSON.stringify(await h.store.audit({ page: 1, limit: 100 }))
    expect(text).not.toContain(minted.data.token)
    expect(text).not.toContain(secretOf(minted.data.token))
    const byType = await log.list({ target_type: 'token' })
    expect(byType.data[0]?.id).toBe(record.id)
  })
})

describe('audit trail caps and options', () => {
  const prefix = uniquePrefix()
  let client: Redis
  beforeAll(() => {
    client = newClient()
  })
  afterAll(async () => {
    await cleanPrefix(client, prefix)
    client.disconnect()
  })

  const fill = async (store: Store, n: number): Promise<string[]> => {
    const log = new AuditLog(store)
    const ids: string[] = []
    for (let i = 0; i < n; i++) {
      ids.push((await log.record(CLI_ACTOR, 'plan.update', { type: 'plan', id: `p${i}` })).id)
    }
    return ids
  }

  it('MemoryStore keeps at most maxEntries, the newest', async () => {
    const store = new MemoryStore({ auditLog: { maxEntries: 3 } })
    const ids = await fill(store, 7)
    const page = await store.audit({ page: 1, limit: 100 })
    expect(page.count).toBe(3)
    expect(page.records.map((r) => r.id)).toEqual(ids.slice(-3).reverse())
    expect(page.records.map((r) => r.target.id)).toEqual(['p6', 'p5', 'p4'])
    await store.close()
  })

  it('RedisStore keeps one capped stream and reads at most maxEntries, the newest', async () => {
    const store = new RedisStore({ url: testRedisUrl(), prefix, auditLog: { maxEntries: 3 } })
    const ids = await fill(store, 250)
    // XADD MAXLEN ~ trims whole stream nodes: the stream stays near the cap, never unbounded.
    expect(await client.xlen(`${prefix}audit`)).toBeLessThanOrEqual(3 + 100)
    const page = await store.audit({ page: 1, limit: 100 })
    expect(page.count).toBe(3)
    expect(page.records.map((r) => r.id)).toEqual(ids.slice(-3).reverse())
    const filtered = await store.audit({ page: 1, limit: 100, target: { id: 'p248' } })
    expect(filtered).toMatchObject({ count: 1, records: [{ target: { id: 'p248' } }] })
    expect((await store.audit({ page: 1, limit: 10, target: { id: 'p10' } })).count).toBe(0)
    expect(await client.pttl(`${prefix}audit`)).toBe(-1)
    await store.close()
  })

  it('defaults to 10000 records', async () => {
    const store = new MemoryStore()
    const ids = await fill(store, 10_005)
    const page = await store.audit({ page: 1, limit: 1 })
    expect(page.count).toBe(10_000)
    expect(page.records[0]?.id).toBe(ids[ids.length - 1])
    const oldest = await store.audit({ page: 10_000, limit: 1 })
    expect(oldest.records[0]?.id).toBe(ids[5])
    await store.close()
  })

  it.each([
    [{ maxEntries: 0 }, /auditLog: option "maxEntries": must be 1 or more/],
    [{ maxEntries: 2.5 }, /must be a whole number/],
    [{ maxEntries: '10' }, /maxEntries/],
    [{ max: 10 }, /unknown option "max"/],
  ])('rejects auditLog %j with a clear error', (auditLog, message) => {
    expect(() => new MemoryStore({ auditLog: auditLog as never })).toThrow(KeyguardConfigError)
    expect(() => new MemoryStore({ auditLog: auditLog as never })).toThrow(message)
    expect(
      () => new RedisStore({ url: testRedisUrl(), prefix, auditLog: auditLog as never }),
    ).toThrow(message)
  })

  it('records CLI actions as actor "cli", without an IP', async () => {
    const store = new MemoryStore()
    const keys = new KeyManager(store)
    const created = await keys.create({ name: 'K' })
    const record = await new AuditLog(store).keyCreated(CLI_ACTOR, created.data)
    expect(record).toMatchObject({ actor: 'cli', ip: null, action: 'key.create' })
    expect(JSON.stringify(record)).not.toContain(created.data.api_key)
    await store.close()
  })
})
