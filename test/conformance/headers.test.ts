// RateLimit-Policy / RateLimit (IETF httpapi draft) on every answer that reached the limits; legacy X-RateLimit-*.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

const ALL_LIMITS = {
  rate: { per_second: 10, burst: 20, per_minute: 600 },
  quotas: { total: 100000, daily: 10000, weekly: 50000, monthly: 100000, yearly: 1000000 },
}

describe.each(STORE_KINDS)('rate limit headers (%s store)', (kind) => {
  const c = useStore(kind)

  it('lists every limit in the policy and what remains of each', async () => {
    // Wednesday 10:30 UTC. A rolling quota resets when the credits just used leave it: a day, a
    // week, 30 and 365 days after their sub-bucket ends (in 30 min, 1.5 h, 13.5 h, 3.5625 days).
    c.clock.set('2026-03-04T10:30:00Z')
    const { data } = await c.keys.create({ name: 'All seven', ...ALL_LIMITS })
    const res = await call(c.app(), data.api_key)
    expect(res.status).toBe(200)
    expect(res.headers['ratelimit-policy']).toBe(
      '"burst";q=20;w=1, "minute";q=600;w=60, "total";q=100000, "daily";q=10000;w=86400, ' +
        '"weekly";q=50000;w=604800, "monthly";q=100000;w=2592000, "yearly";q=1000000;w=31536000',
    )
    expect(res.headers.ratelimit).toBe(
      '"burst";r=19;t=1, "minute";r=599;t=1, "total";r=99999, "daily";r=9999;t=88200, ' +
        '"weekly";r=49999;t=610200, "monthly";r=99999;t=2640600, "yearly";r=999999;t=31843800',
    )
    expect(res.headers['x-ratelimit-limit']).toBeUndefined()
  })

  it('carries them on QUOTA_EXCEEDED and RATE_LIMITED answers too', async () => {
    const app = c.app()
    const quota = (await c.keys.create({ name: 'Q', quotas: { total: 1 } })).data
    await call(app, quota.api_key)
    const q = await call(app, quota.api_key)
    expect(q.status).toBe(401)
    expect(q.headers['ratelimit-policy']).toBe('"total";q=1')
    expect(q.headers.ratelimit).toBe('"total";r=0')

    const rate = (await c.keys.create({ name: 'R', rate: { per_second: 1, burst: 1 } })).data
    await call(app, rate.api_key)
    const r = await call(app, rate.api_key)
    expect(r.status).toBe(429)
    expect(r.headers['ratelimit-policy']).toBe('"burst";q=1;w=1')
    expect(r.headers.ratelimit).toBe('"burst";r=0;t=1')
  })

  it('legacyHeaders adds X-RateLimit-* for the tightest limit, or the failed one', async () => {
    const app = c.app({ legacyHeaders: true })
    const { data } = await c.keys.create({
      name: 'Legacy',
      rate: { per_minute: 3 },
      quotas: { daily: 100 },
    })
    const ok = await call(app, data.api_key)
    expect(ok.headers['x-ratelimit-limit']).toBe('3')
    expect(ok.headers['x-ratelimit-remaining']).toBe('2')
    // From the store's clock (months away from this machine's): 3 per minute refills one in 20 s.
    expect(ok.headers['x-ratelimit-reset']).toBe(String(Math.ceil((c.clock.ms + 20_000) / 1000)))
    // The daily quota's credit comes back 24 hours after the end of the current hour.
    expect(ok.headers.ratelimit).toBe('"minute";r=2;t=20, "daily";r=99;t=88200')
    expect(ok.headers['ratelimit-policy']).toBe('"minute";q=3;w=60, "daily";q=100;w=86400')

    expect(await statuses(app, data.api_key, 2)).toEqual([200, 200])
    const limited = await call(app, data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.headers['x-ratelimit-limit']).toBe('3')
    expect(limited.headers['x-ratelimit-remaining']).toBe('0')
  })

  it('legacy headers name the failed quota even when a rate has less left', async () => {
    const app = c.app({ legacyHeaders: true })
    const { data } = await c.keys.create({
      name: 'Legacy quota',
      rate: { per_second: 1, burst: 1 },
      quotas: { total: 1 },
    })
    await call(app, data.api_key)
    const res = await call(app, data.api_key)
    expect(res.body.code).toBe('QUOTA_EXCEEDED')
    expect(res.headers['x-ratelimit-limit']).toBe('1')
    expect(res.headers['x-ratelimit-remaining']).toBe('0')
    // total never resets, so there is no reset time to give.
    expect(res.headers['x-ratelimit-reset']).toBeUndefined()
  })
})
