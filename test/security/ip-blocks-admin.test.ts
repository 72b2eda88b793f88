// GET /ip-blocks and DELETE /ip-blocks/:ip: list and lift IP blocks over REST, audited, admins only.

import express from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard, type IpBlocker, ipBlockerFor } from '../../src'
import type { AuditRecord } from '../../src/audit'
import { parseToken } from '../../src/token'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

const V4 = '203.0.113.7'
const V6 = '2001:db8:1:2::/64'
const V6_OTHER = '2001:db8:5:6::/64'
const V6_RAW = '2001:db8:7:8::/64'

describe.each(STORE_KINDS)('IP blocks over the admin API (%s store)', (kind) => {
  const h = useAdmin(kind)
  let blocker: IpBlocker
  /** Three failures block a group (the blocker is created before any guard on this store). */
  const block = async (group: string): Promise<void> => {
    for (let i = 0; i < 3; i++) blocker.fail(group, 500)
    expect(blocker.blockedMs(group)).toBeGreaterThan(0)
    // The block reaches the store in the background: wait for it before listing.
    await blocker.flush()
  }
  beforeAll(async () => {
    blocker = ipBlockerFor(h.store, { failures: 3 })
    for (const group of [V4, V6, V6_OTHER, V6_RAW]) await block(group)
  })
  afterAll(() => {
    expect(h.unexpected).toEqual([])
  })

  const auditOf = async (group: string): Promise<AuditRecord[]> => {
    const res = await call(
      h.app(),
      'get',
      `/admin/audit?target_type=ip&target_id=${encodeURIComponent(group)}`,
      h.token,
    )
    expect(res.status).toBe(200)
    return res.body.data
  }

  it('lists the blocked groups with when each block ends', async () => {
    const res = await call(h.app(), 'get', '/admin/ip-blocks', h.token)
    expect(res.status).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    const ips = res.body.data.map((b: { ip: string }) => b.ip)
    expect(ips).toEqual(expect.arrayContaining([V4, V6, V6_OTHER, V6_RAW]))
    expect(res.body.count).toBe(res.body.data.length)
    const now = await h.store.now()
    for (const entry of res.body.data) {
      expect(Object.keys(entry).sort()).toEqual(['blocked_until', 'ip'])
      // The default block is 15 minutes.
      const left = Date.parse(entry.blocked_until) - now
      expect(left).toBeGreaterThan(800_000)
      expect(left).toBeLessThanOrEqual(900_000 + 1000)
    }
  })

  it('unblocks an URL-encoded IPv6 /64, records it, and answers 404 once it is not blocked', async () => {
    const listed = (await call(h.app(), 'get', '/admin/ip-blocks', h.token)).body.data.find(
      (b: { ip: string }) => b.ip === V6,
    )
    const path = `/admin/ip-blocks/${encodeURIComponent(V6)}`
    const res = await call(h.app(), 'delete', path, h.token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ data: { message: 'IP unblocked' } })
    expect(blocker.blockedMs(V6)).toBe(0)
    const after = (await call(h.app(), 'get', '/admin/ip-blocks', h.token)).body
    expect(after.data.map((b: { ip: string }) => b.ip)).not.toContain(V6)
    // Its failures are forgotten too: one more failure does not block it again.
    expect(blocker.fail(V6, 500)).toBe(0)

    const again = await call(h.app(), 'delete', path, h.token)
    expect(again.status).toBe(404)
    expect(again.body).toEqual({
      error: `IP ${V6} is not blocked`,
      code: 'NOT_FOUND',
      details: { ip: V6 },
    })

    const [record, ...rest] = await auditOf(V6)
    expect(rest).toEqual([])
    expect(record).toMatchObject({
      action: 'ip.unblock',
      actor: parseToken(h.token, 'kg')?.id,
      target: { type: 'ip', id: V6 },
      changes: { blocked_until: { from: listed.blocked_until, to: null } },
    })
    expect(record?.ip).toMatch(/127\.0\.0\.1|::1/)
  })

  it('unblocks an IPv4, an address inside a blocked /64, and a /64 sent with a bare slash', async () => {
    const app = h.app()
    expect((await call(app, 'delete', `/admin/ip-blocks/${V4}`, h.token)).status).toBe(200)
    const inside = encodeURIComponent('2001:0db8:5:6:abcd::1')
    expect((await call(app, 'delete', `/admin/ip-blocks/${inside}`, h.token)).status).toBe(200)
    expect((await call(app, 'delete', `/admin/ip-blocks/${V6_RAW}`, h.token)).status).toBe(200)
    for (const group of [V4, V6_OTHER, V6_RAW]) {
      expect(blocker.blockedMs(group)).toBe(0)
      expect((await auditOf(group))[0]?.action).toBe('ip.unblock')
    }
    expect((await call(app, 'get', '/admin/ip-blocks', h.token)).body).toEqual({
      data: [],
      count: 0,
    })
  })

  it('lets a blocked client in again after an unblock', async () => {
    const group = '198.51.100.23'
    await block(group)
    const api = express()
    api.set('trust proxy', true)
    api.get('/v1', apiKeyGuard({ store: h.store }), (_q, r) => {
      r.json({ ok: true })
    })
    const hit = () =>
      request(api).get('/v1').set('X-Forwarded-For', group).set('X-API-Key', h.token)
    const refused = await hit()
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('IP_BLOCKED')
    expect((await call(h.app(), 'delete', `/admin/ip-blocks/${group}`, h.token)).status).toBe(200)
    expect((await hit()).status).toBe(200)
  })

  it('answers 400 for what is not an IP, 404 for an IP never blocked', async () => {
    const app = h.app()
    for (const bad of ['not-an-ip', '1.2.3.4.5', '2001%3Adb8%3A%3A%2F48', '1.2.3.4%2F32', 'x/64']) {
      const res = await call(app, 'delete', `/admin/ip-blocks/${bad}`, h.token)
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 })
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'ip' } })
    }
    const never = await call(app, 'delete', '/admin/ip-blocks/192.0.2.200', h.token)
    expect(never.status).toBe(404)
    expect(never.body.code).toBe('NOT_FOUND')
    expect(never.body.error).toMatch(/not blocked/)
    expect((await call(app, 'post', '/admin/ip-blocks', h.token, {})).status).toBe(405)
    expect((await call(app, 'get', '/admin/ip-blocks/192.0.2.200', h.token)).status).toBe(405)
  })

  it('is for admins only', async () => {
    const group = '198.51.100.99'
    await block(group)
    const plain = (await h.keys.create({ name: 'plain', scopes: ['reports:read'] })).data.api_key
    const app = express().use('/admin', adminRouter({ store: h.store }))
    for (const [method, path] of [
      ['get', '/admin/ip-blocks'],
      ['delete', `/admin/ip-blocks/${group}`],
    ] as const) {
      expect((await request(app)[method](path)).status).toBe(401)
      const res = await request(app)[method](path).set('Authorization', `Bearer ${plain}`)
      expect(res.status).toBe(403)
      expect(res.body.code).toBe('INSUFFICIENT_SCOPE')
    }
    expect(blocker.blockedMs(group)).toBeGreaterThan(0)
  })
})
