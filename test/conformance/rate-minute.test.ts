// Per-minute cap: N at once, then one every 60/N seconds, with its own 429 message.

import { call, statuses, useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

const PER_MINUTE = 'You have exceeded the per-minute rate limit on your subscription'

describe.each(STORE_KINDS)('per-minute cap (%s store)', (kind) => {
  const c = useStore(kind)

  it('admits the cap, then 429 with the per-minute message and Retry-After', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Minute', rate: { per_minute: 3 } })
    const first = await call(app, data.api_key)
    expect(first.headers['ratelimit-policy']).toBe('"minute";q=3;w=60')
    expect(first.headers.ratelimit).toBe('"minute";r=2;t=20')
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 200])

    const limited = await call(app, data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({ error: PER_MINUTE, code: 'RATE_LIMITED' })
    expect(limited.headers['retry-after']).toBe('20')
    expect(limited.headers.ratelimit).toBe('"minute";r=0;t=60')

    c.clock.advance(20_000 - 1)
    expect((await call(app, data.api_key)).status).toBe(429)
    c.clock.advance(1)
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 429])
    c.clock.advance(MINUTE)
    expect(await statuses(app, data.api_key, 4)).toEqual([200, 200, 200, 429])
  })

  it('caps a key whose per-second rate alone would allow more', async () => {
    const app = c.app()
    const { data } = await c.keys.create({
      name: 'Both rates',
      rate: { per_second: 10, burst: 10, per_minute: 5 },
    })
    const first = await call(app, data.api_key)
    expect(first.headers['ratelimit-policy']).toBe('"burst";q=10;w=1, "minute";q=5;w=60')
    expect(await statuses(app, data.api_key, 4)).toEqual([200, 200, 200, 200])
    const limited = await call(app, data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.body.error).toBe(PER_MINUTE)
    expect(limited.headers['retry-after']).toBe('12')
  })

  it('under steady pressure, sustains one request every 60/N seconds after the first N', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Steady', rate: { per_minute: 6 } })
    const admittedAt: number[] = []
    const start = c.clock.ms
    for (let t = 0; t < 5 * MINUTE; t += 1_000) {
      c.clock.set(start + t)
      if ((await call(app, data.api_key)).status === 200) admittedAt.push(t)
    }
    // A full bucket of 6 (t = 0 … 5 s), then one every 10 s (t = 10 s … 290 s).
    expect(admittedAt.slice(0, 6)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000])
    expect(admittedAt.length).toBe(6 + 29)
    for (let i = 7; i < admittedAt.length; i++) {
      expect((admittedAt[i] as number) - (admittedAt[i - 1] as number)).toBe(10_000)
    }
  })
})
