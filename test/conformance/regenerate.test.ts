// Regeneration: the old secret dies on the very next request, or when its grace period ends.

import { call, useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

const INVALID = { error: 'Invalid API Key', code: 'INVALID_API_KEY' }

describe.each(STORE_KINDS)('regenerate (%s store)', (kind) => {
  const c = useStore(kind)

  it('without grace, the old secret is refused on the very next request', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Rotated' })
    expect((await call(app, data.api_key)).status).toBe(200)

    const fresh = (await c.keys.regenerate(data.id)).data
    expect(fresh.id).toBe(data.id)
    expect(fresh.api_key).not.toBe(data.api_key)
    const old = await call(app, data.api_key)
    expect(old.status).toBe(401)
    expect(old.body).toEqual(INVALID)
    const now = await call(app, fresh.api_key)
    expect(now.status).toBe(200)
    expect(now.body.apiKey.id).toBe(data.id)
  })

  it('with grace_seconds, the old secret lives until the grace ends, to the millisecond', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Graceful' })
    const start = c.clock.ms
    const fresh = (await c.keys.regenerate(data.id, { grace_seconds: 60 })).data

    c.clock.set(start + MINUTE - 1)
    expect((await call(app, data.api_key)).status).toBe(200)
    expect((await call(app, fresh.api_key)).status).toBe(200)

    c.clock.set(start + MINUTE)
    expect((await call(app, data.api_key)).body).toEqual(INVALID)
    expect((await call(app, fresh.api_key)).status).toBe(200)
  })

  it('a second regeneration ends the first one’s grace at once', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Twice' })
    const second = (await c.keys.regenerate(data.id, { grace_seconds: 3600 })).data
    const third = (await c.keys.regenerate(data.id, { grace_seconds: 3600 })).data
    expect((await call(app, data.api_key)).status).toBe(401)
    expect((await call(app, second.api_key)).status).toBe(200)
    expect((await call(app, third.api_key)).status).toBe(200)
  })

  it('keeps the counters: both secrets draw on the same limits', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Same quota', quotas: { total: 3 } })
    expect((await call(app, data.api_key)).status).toBe(200)
    const fresh = (await c.keys.regenerate(data.id, { grace_seconds: 60 })).data
    expect((await call(app, data.api_key)).status).toBe(200)
    expect((await call(app, fresh.api_key)).status).toBe(200)
    expect((await call(app, fresh.api_key)).body.code).toBe('QUOTA_EXCEEDED')
    expect((await call(app, data.api_key)).body.code).toBe('QUOTA_EXCEEDED')
  })

  it('a deactivated key refuses the old secret in its grace period too', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Grace then off' })
    await c.keys.regenerate(data.id, { grace_seconds: 600 })
    await c.keys.update(data.id, { status: 'inactive' })
    expect((await call(app, data.api_key)).body.code).toBe('INACTIVE_API_KEY')
  })
})
