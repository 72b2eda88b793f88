// All-or-nothing: a rejected request consumes nothing from any limit.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('all-or-nothing (%s store)', (kind) => {
  const c = useStore(kind)

  const used = async (id: string) => {
    const usage = (await c.keys.usage(id)).data
    return Object.fromEntries([
      ['requests', usage.total_requests],
      ...usage.windows.map((w) => [w.period, w.used]),
    ])
  }

  it('a quota rejection does not consume the rate limits', async () => {
    const app = c.app()
    const { data } = await c.keys.create({
      name: 'Quota first',
      quotas: { daily: 1 },
      rate: { per_minute: 2 },
    })
    expect((await call(app, data.api_key)).status).toBe(200)
    // Five quota rejections: if any of them were charged to the per-minute rate, it would be spent.
    expect(await statuses(app, data.api_key, 5)).toEqual([401, 401, 401, 401, 401])
    await c.keys.update(data.id, { quotas: { daily: 10 } })
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 429])
  })

  it('a rate rejection does not consume any quota', async () => {
    const app = c.app()
    const { data } = await c.keys.create({
      name: 'Rate first',
      quotas: { total: 100, daily: 50, weekly: 60, monthly: 70 },
      rate: { per_second: 1, burst: 1 },
    })
    expect(await statuses(app, data.api_key, 4)).toEqual([200, 429, 429, 429])
    expect(await used(data.id)).toEqual({
      requests: 1,
      total: 1,
      daily: 1,
      weekly: 1,
      monthly: 1,
      second: 1,
    })
  })

  it('one exhausted window leaves every other window untouched', async () => {
    const app = c.app()
    const { data } = await c.keys.create({
      name: 'Monthly spent',
      quotas: { total: 10, daily: 10, weekly: 10, monthly: 2 },
      rate: { per_second: 100, burst: 100, per_minute: 100 },
    })
    expect(await statuses(app, data.api_key, 7)).toEqual([200, 200, 401, 401, 401, 401, 401])
    expect(await used(data.id)).toEqual({
      requests: 2,
      total: 2,
      daily: 2,
      weekly: 2,
      monthly: 2,
      second: 2,
      minute: 2,
    })
    const last = await call(app, data.api_key)
    // Only the 2 admitted requests were charged to the rates: 98 of 100 left, not 93.
    expect(last.headers.ratelimit).toContain('"burst";r=98;')
    expect(last.headers.ratelimit).toContain('"minute";r=98;')
  })

  it('a cost that does not fit is refused whole, and a smaller one still fits', async () => {
    const { data } = await c.keys.create({ name: 'Costly', quotas: { daily: 4 } })
    const app = c.app({ cost: (req) => Number(req.query.cost ?? 1) })
    expect((await call(app, data.api_key, '?cost=2')).status).toBe(200)
    expect((await call(app, data.api_key, '?cost=3')).status).toBe(401)
    expect(await used(data.id)).toEqual({ requests: 2, daily: 2 })
    expect((await call(app, data.api_key, '?cost=2')).status).toBe(200)
    expect((await call(app, data.api_key, '?cost=1')).status).toBe(401)
  })

  it('invalid, inactive, expired and scope rejections consume nothing and stamp nothing', async () => {
    const { data } = await c.keys.create({
      name: 'Untouched',
      scopes: ['read'],
      quotas: { daily: 5 },
      rate: { per_minute: 5 },
    })
    const refusal = async (app: ReturnType<typeof c.app>, token: string) => {
      const res = await call(app, token)
      return [res.status, res.body.code]
    }
    expect(await refusal(c.app({ scopes: ['write'] }), data.api_key)).toEqual([
      403,
      'INSUFFICIENT_SCOPE',
    ])
    const last = data.api_key.slice(-1)
    const mistyped = `${data.api_key.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`
    expect(await refusal(c.app(), mistyped)).toEqual([401, 'INVALID_API_KEY'])
    await c.keys.update(data.id, { status: 'inactive' })
    expect(await refusal(c.app(), data.api_key)).toEqual([401, 'INACTIVE_API_KEY'])
    await c.keys.update(data.id, {
      status: 'active',
      expires_at: new Date(c.clock.ms + 1).toISOString(),
    })
    c.clock.advance(1)
    expect(await refusal(c.app(), data.api_key)).toEqual([401, 'EXPIRED_API_KEY'])
    expect(await used(data.id)).toEqual({ requests: 0, daily: 0, minute: 0 })
    expect((await c.keys.get(data.id)).data.last_used_at).toBeNull()
  })
})
