// Per-second rate with a burst (GCRA): the burst at once, then refill at the sustained rate.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

const PER_SECOND = 'You have exceeded the per-second rate limit on your subscription'

describe.each(STORE_KINDS)('per-second rate and burst (%s store)', (kind) => {
  const c = useStore(kind)

  it('admits the burst at once, then 429 RATE_LIMITED with Retry-After', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Burst', rate: { per_second: 2, burst: 4 } })
    const first = await call(app, data.api_key)
    expect(first.status).toBe(200)
    expect(first.headers['ratelimit-policy']).toBe('"burst";q=4;w=1')
    expect(first.headers.ratelimit).toBe('"burst";r=3;t=1')

    expect(await statuses(app, data.api_key, 3)).toEqual([200, 200, 200])
    const limited = await call(app, data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({ error: PER_SECOND, code: 'RATE_LIMITED' })
    expect(limited.headers['retry-after']).toBe('1')
    expect(limited.headers['ratelimit-policy']).toBe('"burst";q=4;w=1')
    expect(limited.headers.ratelimit).toBe('"burst";r=0;t=2')
  })

  it('refills one request per emission interval, never more than the burst', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Refill', rate: { per_second: 2, burst: 4 } })
    expect(await statuses(app, data.api_key, 5)).toEqual([200, 200, 200, 200, 429])

    c.clock.advance(499)
    expect((await call(app, data.api_key)).status).toBe(429)
    c.clock.advance(1)
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 429])

    // A long pause refills the bucket to the burst, not beyond it.
    c.clock.advance(60_000)
    expect(await statuses(app, data.api_key, 5)).toEqual([200, 200, 200, 200, 429])
  })

  it('sustains exactly the per-second rate once the burst is spent', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Sustained', rate: { per_second: 5, burst: 1 } })
    let admitted = 0
    for (let ms = 0; ms < 2000; ms += 50) {
      if ((await call(app, data.api_key)).status === 200) admitted++
      c.clock.advance(50)
    }
    // 5/s with no burst: one every 200 ms over 2 s.
    expect(admitted).toBe(10)
  })

  it('uses the per-second rate as the burst when no burst is set', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'No burst', rate: { per_second: 3 } })
    const res = await call(app, data.api_key)
    expect(res.headers['ratelimit-policy']).toBe('"burst";q=3;w=1')
    expect(await statuses(app, data.api_key, 3)).toEqual([200, 200, 429])
  })

  it('a rate-limited request waits exactly the Retry-After it was given', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Slow', rate: { per_second: 1, burst: 1 } })
    await call(app, data.api_key)
    c.clock.advance(250)
    const limited = await call(app, data.api_key)
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toBe('1')
    c.clock.advance(749)
    expect((await call(app, data.api_key)).status).toBe(429)
    c.clock.advance(1)
    expect((await call(app, data.api_key)).status).toBe(200)
  })
})
