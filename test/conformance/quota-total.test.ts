// The all-time total quota: 401 QUOTA_EXCEEDED (or 429 by option), never resets, no Retry-After.

import { call, statuses, useStore } from '../harness/guard'
import { DAY, STORE_KINDS } from '../harness/stores'

const BODY = { error: 'Rate limit exceeded: quota total', code: 'QUOTA_EXCEEDED' }

describe.each(STORE_KINDS)('total quota (%s store)', (kind) => {
  const c = useStore(kind)

  it('admits exactly the total, then 401 QUOTA_EXCEEDED for ever', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Total', quotas: { total: 3 } })
    const first = await call(app, data.api_key)
    expect(first.headers['ratelimit-policy']).toBe('"total";q=3')
    expect(first.headers.ratelimit).toBe('"total";r=2')
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 200])

    const over = await call(app, data.api_key)
    expect(over.status).toBe(401)
    expect(over.body).toEqual(BODY)
    expect(over.headers['retry-after']).toBeUndefined()
    expect(over.headers.ratelimit).toBe('"total";r=0')

    c.clock.advance(400 * DAY)
    expect((await call(app, data.api_key)).status).toBe(401)
    const usage = (await c.keys.usage(data.id)).data
    expect(usage.windows).toEqual([
      { period: 'total', used: 3, limit: 3, remaining: 0, reset_time: null },
    ])
  })

  it('answers 429 with the same body under quotaExceededStatus: 429', async () => {
    const app = c.app({ quotaExceededStatus: 429 })
    const { data } = await c.keys.create({ name: 'Total 429', quotas: { total: 1 } })
    expect((await call(app, data.api_key)).status).toBe(200)
    const over = await call(app, data.api_key)
    expect(over.status).toBe(429)
    expect(over.body).toEqual(BODY)
  })

  it('a total of 0 admits nothing, and raising it takes effect on the next request', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Zero', quotas: { total: 0 } })
    expect((await call(app, data.api_key)).body).toEqual(BODY)
    await c.keys.update(data.id, { quotas: { total: 1 } })
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 401])
    await c.keys.update(data.id, { quotas: { total: null } })
    expect(await statuses(app, data.api_key, 2)).toEqual([200, 200])
  })
})
