// The cost option: credits charged to the quotas, as a number or per request; rates charge 1.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('cost (%s store)', (kind) => {
  const c = useStore(kind)

  it('charges a fixed cost to every quota', async () => {
    const app = c.app({ cost: 5 })
    c.clock.set('2026-03-04T10:30:00Z')
    const { data } = await c.keys.create({
      name: 'Fixed cost',
      quotas: { total: 100, daily: 12 },
      rate: { per_minute: 10 },
    })
    const first = await call(app, data.api_key)
    // The daily credits come back a day after the current hour ends.
    expect(first.headers.ratelimit).toBe('"minute";r=9;t=6, "total";r=95, "daily";r=7;t=88200')
    expect((await call(app, data.api_key)).status).toBe(200)
    const over = await call(app, data.api_key)
    expect(over.status).toBe(401)
    expect(over.body.error).toBe('Rate limit exceeded: quota daily')
    const usage = (await c.keys.usage(data.id)).data
    expect(usage.windows.map((w) => [w.period, w.used])).toEqual([
      ['total', 10],
      ['daily', 10],
      // The rate counts requests, not credits.
      ['minute', 2],
    ])
  })

  it('computes the cost per request with req => number', async () => {
    const app = c.app({ cost: (req) => Number(req.query.n) })
    const { data } = await c.keys.create({ name: 'Variable cost', quotas: { daily: 12 } })
    expect((await call(app, data.api_key, '?n=7')).status).toBe(200)
    expect((await call(app, data.api_key, '?n=6')).status).toBe(401)
    expect((await call(app, data.api_key, '?n=5')).status).toBe(200)
    expect((await c.keys.usage(data.id)).data.windows[0]?.used).toBe(12)
    // A free call passes a spent quota, and is still counted as a request.
    expect((await call(app, data.api_key, '?n=0')).status).toBe(200)
    expect((await call(app, data.api_key, '?n=1')).status).toBe(401)
  })

  it('charges the rate limits one per request whatever the cost', async () => {
    const app = c.app({ cost: 50 })
    const { data } = await c.keys.create({ name: 'Rate by request', rate: { per_minute: 3 } })
    expect(await statuses(app, data.api_key, 4)).toEqual([200, 200, 200, 429])
  })

  it('refuses a cost function that returns a bad number, charging nothing', async () => {
    const app = c.app({ cost: (req) => Number(req.query.n) })
    const { data } = await c.keys.create({ name: 'Bad cost', quotas: { daily: 10 } })
    for (const n of ['-1', '1.5', 'abc']) {
      const res = await call(app, data.api_key, `?n=${n}`)
      expect(res.status).toBe(500)
    }
    expect((await c.keys.usage(data.id)).data.windows[0]?.used).toBe(0)
  })

  it('a cost larger than the quota can never pass and gets no Retry-After', async () => {
    const app = c.app({ cost: 11 })
    const { data } = await c.keys.create({ name: 'Too costly', quotas: { daily: 10 } })
    const res = await call(app, data.api_key)
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('Rate limit exceeded: quota daily')
    expect(res.headers['retry-after']).toBeUndefined()
  })
})
