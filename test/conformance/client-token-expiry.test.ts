// A client token works until the millisecond it expires, and from that millisecond answers EXPIRED_API_KEY.

import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('client token expiry (%s store)', (kind) => {
  const c = useStore(kind)

  it('valid 1 ms before expires_at, expired at it', async () => {
    const { data: parent } = await c.keys.create({ name: 'Parent' })
    const { data } = await c.keys.tokens.create({ key_id: parent.id, ttl_seconds: 60 })
    const expiresAt = Date.parse(data.expires_at)
    expect(expiresAt).toBe(c.clock.ms + 60_000)
    const app = c.app()
    c.clock.set(expiresAt - 1)
    expect((await call(app, data.token)).status).toBe(200)
    c.clock.set(expiresAt)
    const expired = await call(app, data.token)
    expect([expired.status, expired.body.code]).toEqual([401, 'EXPIRED_API_KEY'])
  })
})
