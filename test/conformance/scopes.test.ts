// Route scopes: 403 INSUFFICIENT_SCOPE unless the key holds each one, directly or by wildcard.

import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('scopes (%s store)', (kind) => {
  const c = useStore(kind)

  const tokenWith = async (scopes: string[]): Promise<string> =>
    (await c.keys.create({ name: `Scopes ${scopes.join(' ')}`, scopes })).data.api_key

  it.each([
    [['keys:read'], ['keys:read'], 200],
    [['keys:read', 'plans:read'], ['keys:read'], 200],
    [['keys:*'], ['keys:read'], 200],
    [['*'], ['keys:read'], 200],
    [['*'], ['admin'], 200],
    [['keys:read:*'], ['keys:read:own'], 200],
    [['keys:*'], ['keys:read:own'], 200],
    [['keys:write'], ['keys:read'], 403],
    [[], ['keys:read'], 403],
    [['keys'], ['keys:read'], 403],
    [['keys:*'], ['keysx:read'], 403],
    [['keys:*'], ['keys'], 403],
    [['key*'], ['keys:read'], 403],
    [['keys:read'], ['keys:read', 'keys:write'], 403],
    [['keys:read', 'keys:write'], ['keys:read', 'keys:write'], 200],
    [['admin:*'], ['admin'], 403],
    [['keys:read'], [], 200],
  ])('a key with %j on a route requiring %j gets %i', async (held, required, status) => {
    const token = await tokenWith(held)
    const res = await call(c.app({ scopes: required }), token)
    expect(res.status).toBe(status)
    if (status === 403) {
      expect(res.body).toEqual({ error: 'Insufficient permissions', code: 'INSUFFICIENT_SCOPE' })
    }
  })

  it('a scope rejection consumes nothing', async () => {
    const { data } = await c.keys.create({
      name: 'Scoped quota',
      scopes: ['read'],
      quotas: { total: 1 },
      rate: { per_second: 1, burst: 1 },
    })
    const strict = c.app({ scopes: ['write'] })
    for (let i = 0; i < 3; i++) expect((await call(strict, data.api_key)).status).toBe(403)
    expect((await c.keys.usage(data.id)).data.total_requests).toBe(0)
    expect((await c.keys.get(data.id)).data.last_used_at).toBeNull()
    expect((await call(c.app({ scopes: ['read'] }), data.api_key)).status).toBe(200)
  })

  it('a scope change takes effect on the very next request', async () => {
    const { data } = await c.keys.create({ name: 'Rescoped', scopes: ['read'] })
    const app = c.app({ scopes: ['write'] })
    expect((await call(app, data.api_key)).status).toBe(403)
    await c.keys.update(data.id, { scopes: ['read', 'write'] })
    expect((await call(app, data.api_key)).status).toBe(200)
    await c.keys.update(data.id, { scopes: [] })
    expect((await call(app, data.api_key)).status).toBe(403)
  })
})
