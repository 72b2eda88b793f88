// Calendar quota windows (plan quota_window "calendar"): reset at UTC midnight, Monday, the 1st and January 1st.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('calendar quotas (%s store)', (kind) => {
  const c = useStore(kind)
  let n = 0

  const calendarKey = async (quotas: {
    daily?: number
    weekly?: number
    monthly?: number
    yearly?: number
  }) => {
    const plan = (
      await c.keys.plans.create({
        id: `cal-${n++}`,
        name: 'Calendar',
        quotas,
        quota_window: 'calendar',
      })
    ).data
    return (await c.keys.create({ name: 'Calendar key', plan_id: plan.id })).data
  }

  it('daily resets at UTC midnight, and Retry-After counts down to it', async () => {
    const app = c.app()
    c.clock.set('2026-01-31T12:00:00Z')
    const key = await calendarKey({ daily: 2 })
    expect(await statuses(app, key.api_key, 2)).toEqual([200, 200])
    const over = await call(app, key.api_key)
    expect(over.status).toBe(401)
    expect(over.body.error).toBe('Rate limit exceeded: quota daily')
    expect(over.headers['retry-after']).toBe(String(12 * 3600))
    expect(over.headers.ratelimit).toBe(`"daily";r=0;t=${12 * 3600}`)

    c.clock.set('2026-01-31T23:59:59.999Z')
    const late = await call(app, key.api_key)
    expect(late.status).toBe(401)
    expect(late.headers['retry-after']).toBe('1')

    c.clock.set('2026-02-01T00:00:00Z')
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
  })

  it('a rolling window would not reset at midnight; the calendar one does', async () => {
    const app = c.app()
    c.clock.set('2026-03-10T23:00:00Z')
    const calendar = await calendarKey({ daily: 1 })
    const rolling = (await c.keys.create({ name: 'Rolling', quotas: { daily: 1 } })).data
    expect((await call(app, calendar.api_key)).status).toBe(200)
    expect((await call(app, rolling.api_key)).status).toBe(200)
    c.clock.set('2026-03-11T00:00:00Z')
    expect((await call(app, calendar.api_key)).status).toBe(200)
    expect((await call(app, rolling.api_key)).status).toBe(401)
  })

  it('weekly resets on Monday 00:00 UTC, not on Sunday or the 1st', async () => {
    const app = c.app()
    // 2026-01-26 is a Monday; 2026-02-01 a Sunday.
    c.clock.set('2026-01-26T00:00:00Z')
    const key = await calendarKey({ weekly: 2 })
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])

    c.clock.set('2026-02-01T00:00:00Z')
    const sunday = await call(app, key.api_key)
    expect(sunday.status).toBe(401)
    expect(sunday.body.error).toBe('Rate limit exceeded: quota weekly')
    expect(sunday.headers['retry-after']).toBe(String(24 * 3600))

    c.clock.set('2026-02-01T23:59:59.999Z')
    expect((await call(app, key.api_key)).status).toBe(401)
    c.clock.set('2026-02-02T00:00:00Z')
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
  })

  it.each([
    ['2026-01-31T23:59:59Z', '2026-02-01T00:00:00Z'],
    ['2026-02-28T23:59:59Z', '2026-03-01T00:00:00Z'],
    ['2028-02-29T23:59:59Z', '2028-03-01T00:00:00Z'],
    ['2026-04-30T23:59:59Z', '2026-05-01T00:00:00Z'],
    ['2026-12-31T23:59:59Z', '2027-01-01T00:00:00Z'],
  ])('monthly runs out at %s and resets at %s', async (before, after) => {
    const app = c.app()
    const firstOfMonth = `${before.slice(0, 8)}01T00:00:00Z`
    c.clock.set(firstOfMonth)
    const key = await calendarKey({ monthly: 2 })
    expect((await call(app, key.api_key)).status).toBe(200)

    c.clock.set(before)
    expect((await call(app, key.api_key)).status).toBe(200)
    const over = await call(app, key.api_key)
    expect(over.status).toBe(401)
    expect(over.body.error).toBe('Rate limit exceeded: quota monthly')
    expect(over.headers['retry-after']).toBe('1')

    c.clock.set(after)
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
    const usage = (await c.keys.usage(key.id)).data.windows[0]
    expect(usage).toEqual({
      period: 'monthly',
      used: 2,
      limit: 2,
      remaining: 0,
      reset_time: expect.stringMatching(/-01T00:00:00\.000Z$/),
    })
  })

  it('knows the length of every month (Retry-After is 1 s in each month’s last second)', async () => {
    const app = c.app()
    const seen: string[] = []
    for (const year of [2026, 2028, 2100]) {
      for (let month = 0; month < 12; month++) {
        c.clock.set(Date.UTC(year, month + 1, 1) - 1000)
        const key = await calendarKey({ monthly: 1 })
        await call(app, key.api_key)
        seen.push((await call(app, key.api_key)).headers['retry-after'] as string)
      }
    }
    expect(seen).toEqual(Array(36).fill('1'))
  })

  it.each([
    ['2026-12-31T23:59:59Z', '2027-01-01T00:00:00Z'],
    ['2028-12-31T23:59:59Z', '2029-01-01T00:00:00Z'],
  ])('yearly runs out at %s and resets at %s (UTC year)', async (before, after) => {
    const app = c.app()
    c.clock.set(`${before.slice(0, 4)}-01-01T00:00:00Z`)
    const key = await calendarKey({ yearly: 2 })
    const first = await call(app, key.api_key)
    expect(first.status).toBe(200)
    expect(first.headers['ratelimit-policy']).toBe('"yearly";q=2;w=31536000')
    // The whole year to go: 365 or 366 days.
    const days = before.startsWith('2028') ? 366 : 365
    expect(first.headers.ratelimit).toBe(`"yearly";r=1;t=${days * 86400}`)

    c.clock.set(`${before.slice(0, 4)}-07-01T00:00:00Z`)
    expect((await call(app, key.api_key)).status).toBe(200)
    c.clock.set(before)
    const over = await call(app, key.api_key)
    expect(over.status).toBe(401)
    expect(over.body).toEqual({
      error: 'Rate limit exceeded: quota yearly',
      code: 'QUOTA_EXCEEDED',
    })
    expect(over.headers['retry-after']).toBe('1')
    expect(over.headers.ratelimit).toBe('"yearly";r=0;t=1')
    const usage = (await c.keys.usage(key.id)).data
    expect(usage.windows).toEqual([
      {
        period: 'yearly',
        used: 2,
        limit: 2,
        remaining: 0,
        reset_time: `${after.slice(0, 19)}.000Z`,
      },
    ])
    expect(usage).toMatchObject({
      period: 'year',
      periodStart: `${before.slice(0, 4)}-01-01T00:00:00.000Z`,
      periodEnd: `${after.slice(0, 19)}.000Z`,
    })

    c.clock.set(after)
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
  })

  it('the whole month counts, whatever happened on other days', async () => {
    const app = c.app()
    c.clock.set('2026-06-01T00:00:00Z')
    const key = await calendarKey({ monthly: 3, daily: 5 })
    expect((await call(app, key.api_key)).status).toBe(200)
    c.clock.set('2026-06-15T12:00:00Z')
    expect((await call(app, key.api_key)).status).toBe(200)
    c.clock.set('2026-06-30T23:00:00Z')
    expect(await statuses(app, key.api_key, 2)).toEqual([200, 401])
    c.clock.set('2026-07-01T00:00:00Z')
    expect((await call(app, key.api_key)).status).toBe(200)
  })

  it('switching a plan from rolling to calendar takes effect on the next request', async () => {
    const app = c.app()
    c.clock.set('2026-08-10T22:00:00Z')
    const plan = (
      await c.keys.plans.create({ id: `switch-${n++}`, name: 'Switch', quotas: { daily: 1 } })
    ).data
    const key = (await c.keys.create({ name: 'Switching', plan_id: plan.id })).data
    expect(await statuses(app, key.api_key, 2)).toEqual([200, 401])
    c.clock.set('2026-08-11T00:30:00Z')
    expect((await call(app, key.api_key)).status).toBe(401)

    await c.keys.plans.update(plan.id, { quota_window: 'calendar' })
    // Switching resets the window counters (see docs/admin-api.md, plans and their keys); then the calendar day counts.
    expect(await statuses(app, key.api_key, 2)).toEqual([200, 401])
    c.clock.set('2026-08-12T00:00:00Z')
    expect((await call(app, key.api_key)).status).toBe(200)
  })
})
