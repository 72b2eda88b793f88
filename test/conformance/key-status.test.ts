// Inactive and expired keys: 401 with their own codes, on the very next request after a change.

import { call, useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('key status (%s store)', (kind) => {
  const c = useStore(kind)

  it('answers 401 INACTIVE_API_KEY for a key created inactive', async () => {
    const { data } = await c.keys.create({ name: 'Off', status: 'inactive' })
    const res = await call(c.app(), data.api_key)
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: 'Inactive API Key', code: 'INACTIVE_API_KEY' })
  })

  it('deactivation and reactivation take effect on the very next request', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Toggle', quotas: { daily: 100 } })
    expect((await call(app, data.api_key)).status).toBe(200)

    await c.keys.update(data.id, { status: 'inactive' })
    const off = await call(app, data.api_key)
    expect(off.status).toBe(401)
    expect(off.body.code).toBe('INACTIVE_API_KEY')

    await c.keys.update(data.id, { status: 'active' })
    expect((await call(app, data.api_key)).status).toBe(200)
    // The inactive answer consumed nothing.
    expect((await c.keys.usage(data.id)).data.windows[0]?.used).toBe(2)
  })

  it('answers 401 EXPIRED_API_KEY from the millisecond expires_at is reached', async () => {
    const app = c.app()
    const expiresAt = c.clock.ms + 10 * MINUTE
    const { data } = await c.keys.create({
      name: 'Short-lived',
      expires_at: new Date(expiresAt).toISOString(),
    })
    c.clock.set(expiresAt - 1)
    expect((await call(app, data.api_key)).status).toBe(200)

    c.clock.set(expiresAt)
    const res = await call(app, data.api_key)
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: 'Expired API Key', code: 'EXPIRED_API_KEY' })
  })

  it('an expiry set, moved or removed by update takes effect on the very next request', async () => {
    const app = c.app()
    const { data } = await c.keys.create({ name: 'Moved expiry' })
    expect((await call(app, data.api_key)).status).toBe(200)

    // An expiry of exactly now is accepted, and the key is expired from that very millisecond.
    await c.keys.update(data.id, { expires_at: new Date(c.clock.ms).toISOString() })
    expect((await call(app, data.api_key)).body.code).toBe('EXPIRED_API_KEY')

    await c.keys.update(data.id, { expires_at: new Date(c.clock.ms + MINUTE).toISOString() })
    expect((await call(app, data.api_key)).status).toBe(200)
    // Moving it into the past is refused, and changes nothing.
    await expect(
      c.keys.update(data.id, { expires_at: new Date(c.clock.ms - 1).toISOString() }),
    ).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR' })
    expect((await call(app, data.api_key)).status).toBe(200)

    c.clock.advance(MINUTE)
    expect((await call(app, data.api_key)).body.code).toBe('EXPIRED_API_KEY')

    await c.keys.update(data.id, { expires_at: null })
    expect((await call(app, data.api_key)).status).toBe(200)
  })

  it('checks status before expiry and both before the secret is trusted for anything else', async () => {
    const app = c.app({ scopes: ['admin'] })
    const { data } = await c.keys.create({
      name: 'Both',
      status: 'inactive',
      expires_at: new Date(c.clock.ms + MINUTE).toISOString(),
    })
    // The key expires as time passes (an expiry in the past is refused when written).
    c.clock.advance(MINUTE)
    expect((await call(app, data.api_key)).body.code).toBe('INACTIVE_API_KEY')
    await c.keys.update(data.id, { status: 'active' })
    expect((await call(app, data.api_key)).body.code).toBe('EXPIRED_API_KEY')
  })
})
