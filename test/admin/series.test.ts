// GET /keys/:id/series on both stores: guarded traffic shows in it, allowed and rejected by code; bad input is a 4xx.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs } from '../../src'
import type { UsagePoint } from '../../src/types'
import { call, useAdmin } from '../harness/admin'
import { DAY, HOUR, STORE_KINDS } from '../harness/stores'

/** Totals over every point: a request is in one bucket, whichever hour the run falls in. */
function totals(points: UsagePoint[]): { allowed: number; rejected_by: Record<string, number> } {
  const rejected_by: Record<string, number> = {}
  let allowed = 0
  for (const point of points) {
    allowed += point.allowed
    for (const [code, n] of Object.entries(point.rejected_by)) {
      rejected_by[code] = (rejected_by[code] ?? 0) + n
    }
    expect(point.rejected).toBe(Object.values(point.rejected_by).reduce((a, b) => a + b, 0))
  }
  return { allowed, rejected_by }
}

describe.each(STORE_KINDS)('GET /keys/:id/series (%s)', (kind) => {
  const h = useAdmin(kind)

  it('shows guarded traffic per hour and per day, rejected requests by code', async () => {
    const admin = h.app()
    const { data } = await h.keys.create({ name: 'Charted', quotas: { total: 2 }, scopes: ['r'] })
    const app = express()
    const guard = { store: h.store, requestLog: { batchSize: 1000, flushIntervalMs: 3_600_000 } }
    app.get('/r', apiKeyGuard(guard), (_req, res) => res.json({}))
    app.get('/w', apiKeyGuard({ ...guard, scopes: ['w'] }), (_req, res) => res.json({}))
    const get = (path: string) => request(app).get(path).set('X-API-Key', data.api_key)
    expect([(await get('/r')).status, (await get('/r')).status]).toEqual([200, 200])
    expect((await get('/r')).body.code).toBe('QUOTA_EXCEEDED')
    expect((await get('/w')).body.code).toBe('INSUFFICIENT_SCOPE')
    await flushRequestLogs(h.store)

    const hourly = await call(admin, 'get', `/admin/keys/${data.id}/series`, h.token)
    expect(hourly.status).toBe(200)
    expect(hourly.headers['cache-control']).toBe('no-store')
    const body = hourly.body.data
    expect(body).toMatchObject({ key_id: data.id, granularity: 'hour' })
    expect(body.points).toHaveLength(168)
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(168 * HOUR)
    expect(Date.parse(body.points[0].t)).toBe(Date.parse(body.from))
    expect(Date.parse(body.points[167].t)).toBe(Date.parse(body.to) - HOUR)
    // The current hour holds now: the store's clock is this machine's here.
    expect(Date.parse(body.to)).toBeGreaterThan(Date.now() - 60_000)
    expect(totals(body.points)).toEqual({
      allowed: 2,
      rejected_by: { QUOTA_EXCEEDED: 1, INSUFFICIENT_SCOPE: 1 },
    })

    const daily = await call(admin, 'get', `/admin/keys/${data.id}/series?granularity=day`, h.token)
    expect(daily.status).toBe(200)
    expect(daily.body.data.granularity).toBe('day')
    expect(daily.body.data.points).toHaveLength(90)
    expect(Date.parse(daily.body.data.to) - Date.parse(daily.body.data.from)).toBe(90 * DAY)
    expect(daily.body.data.points[89].t).toMatch(/T00:00:00\.000Z$/)
    expect(totals(daily.body.data.points)).toEqual(totals(body.points))
  })

  it('needs the admin token; 404 for an unknown key; 400 for a bad granularity', async () => {
    const admin = h.app()
    const { data } = await h.keys.create({ name: 'Asked' })
    const path = `/admin/keys/${data.id}/series`
    expect((await request(admin).get(path)).status).toBe(401)
    const missing = await call(admin, 'get', '/admin/keys/00000000000000000000/series', h.token)
    expect([missing.status, missing.body.code]).toEqual([404, 'API_KEY_NOT_FOUND'])
    for (const query of ['week', 'HOUR', '', 'hour&granularity=day']) {
      const bad = await call(admin, 'get', `${path}?granularity=${query}`, h.token)
      expect([bad.status, bad.body.code, bad.body.details?.field]).toEqual([
        400,
        'VALIDATION_ERROR',
        'granularity',
      ])
    }
    const bad = await call(admin, 'get', `${path}?granularity=week`, h.token)
    expect(bad.body.details.message).toMatch(/"hour".*"day"/)
    expect((await call(admin, 'post', path, h.token, {})).status).toBe(405)
    expect((await call(admin, 'get', `${path}?granularity=hour`, h.token)).status).toBe(200)
  })
})
