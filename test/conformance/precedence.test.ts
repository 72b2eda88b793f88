// When several limits fail, the answer names the one the client must wait longest for.

import { call, useStore } from '../harness/guard'
import { DAY, HOUR, STORE_KINDS } from '../harness/stores'

const quota = (period: string) => ({
  error: `Rate limit exceeded: quota ${period}`,
  code: 'QUOTA_EXCEEDED',
})

describe.each(STORE_KINDS)('precedence (%s store)', (kind) => {
  const c = useStore(kind)
  let n = 0

  const secondCall = async (limits: object, planId?: string) => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Precedence', plan_id: planId, ...limits })
    expect((await call(app, data.api_key)).status).toBe(200)
    return call(app, data.api_key)
  }
  const calendarPlan = async () =>
    (
      await c.keys.plans.create({
        id: `cal-${n++}`,
        name: 'Calendar',
        quotas: { daily: 1, weekly: 1, monthly: 1 },
        quota_window: 'calendar',
      })
    ).data.id

  it('reports a quota before a rate', async () => {
    c.clock.set('2026-03-04T10:30:00Z')
    const res = await secondCall({
      quotas: { daily: 1 },
      rate: { per_second: 1, burst: 1, per_minute: 1 },
    })
    expect(res.status).toBe(401)
    expect(res.body).toEqual(quota('daily'))
    expect(Number(res.headers['retry-after'])).toBe(DAY / 1000 + 1800)
  })

  it('reports total before any other quota; it never resets, so no Retry-After', async () => {
    const res = await secondCall({ quotas: { total: 1, daily: 1, weekly: 1, monthly: 1 } })
    expect(res.body).toEqual(quota('total'))
    expect(res.headers['retry-after']).toBeUndefined()
  })

  it('reports monthly before weekly before daily when all were used together', async () => {
    c.clock.set('2026-03-04T10:30:00Z')
    const all = await secondCall({ quotas: { daily: 1, weekly: 1, monthly: 1 } })
    expect(all.body).toEqual(quota('monthly'))
    const two = await secondCall({ quotas: { daily: 1, weekly: 1 } })
    expect(two.body).toEqual(quota('weekly'))
  })

  it('on a calendar tie (Sunday the 31st: day, week and month end together) reports monthly', async () => {
    c.clock.set('2026-05-31T12:00:00Z')
    const res = await secondCall({}, await calendarPlan())
    expect(res.body).toEqual(quota('monthly'))
    expect(res.headers['retry-after']).toBe(String(12 * 3600))
  })

  it('reports weekly when the week outlasts the month (calendar)', async () => {
    // Wednesday 28 January: the month ends on Sunday night, the week on Monday night.
    c.clock.set('2026-01-28T12:00:00Z')
    const res = await secondCall({}, await calendarPlan())
    expect(res.body).toEqual(quota('weekly'))
    expect(res.headers['retry-after']).toBe(String(4.5 * 86400))
  })

  it('reports daily when it frees up later than weekly (rolling)', async () => {
    const app = c.app()
    const day = (Math.floor(c.clock.ms / DAY) + 60) * DAY
    c.clock.set(day)
    const { data } = await c.keys.create({ name: 'Old weekly', quotas: { daily: 1, weekly: 2 } })
    expect((await call(app, data.api_key)).status).toBe(200)
    c.clock.set(day + 7 * DAY)
    expect((await call(app, data.api_key)).status).toBe(200)

    // Daily frees up in 24 h; weekly as soon as the first request's 6-hour bucket leaves (5 h).
    c.clock.set(day + 7 * DAY + HOUR)
    const res = await call(app, data.api_key)
    expect(res.body).toEqual(quota('daily'))
    expect(res.headers['retry-after']).toBe(String(24 * 3600))
    expect(res.headers.ratelimit).toBe(`"daily";r=0;t=${24 * 3600}, "weekly";r=0;t=${5 * 3600}`)
  })

  it('reports per-minute over per-second when its wait is longer, and vice versa', async () => {
    const minute = await secondCall({ rate: { per_second: 1, burst: 1, per_minute: 1 } })
    expect(minute.status).toBe(429)
    expect(minute.body.error).toMatch(/per-minute/)
    expect(minute.headers['retry-after']).toBe('60')

    const second = await secondCall({ rate: { per_second: 1, burst: 1, per_minute: 100 } })
    expect(second.status).toBe(429)
    expect(second.body.error).toMatch(/per-second/)
    expect(second.headers['retry-after']).toBe('1')
  })
})
