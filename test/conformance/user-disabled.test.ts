// Users: disabling one refuses every key of it on the very next request, in the one verify call; plans are inherited.

import { call, statuses, useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('users on the request path (%s store)', (kind) => {
  const c = useStore(kind)

  it("a disabled user's keys answer 401 INACTIVE_API_KEY at once; enabling lets them in again", async () => {
    const app = c.app()
    const { data: user } = await c.keys.users.create({ name: 'Ada' })
    const k1 = (await c.keys.create({ name: 'one', user_id: user.user_id })).data
    const k2 = (await c.keys.users.createKey(user.user_id, { name: 'two', quotas: { daily: 10 } }))
      .data
    const { data: other } = await c.keys.users.create({ name: 'Bob' })
    const k3 = (await c.keys.create({ name: 'three', user_id: other.user_id })).data
    expect((await call(app, k1.api_key)).status).toBe(200)
    expect((await call(app, k2.api_key)).status).toBe(200)

    await c.keys.users.update(user.user_id, { is_disabled: true })
    for (const token of [k1.api_key, k2.api_key]) {
      const res = await call(app, token)
      expect(res.status).toBe(401)
      expect(res.body).toEqual({ error: 'Inactive API Key', code: 'INACTIVE_API_KEY' })
    }
    // Another user's keys are untouched.
    expect((await call(app, k3.api_key)).status).toBe(200)
    // A key created while the user is disabled is refused too.
    const k4 = (await c.keys.users.createKey(user.user_id, { name: 'four' })).data
    expect((await call(app, k4.api_key)).status).toBe(401)

    await c.keys.users.update(user.user_id, { is_disabled: false })
    expect((await call(app, k1.api_key)).status).toBe(200)
    expect((await call(app, k4.api_key)).status).toBe(200)
    // The refused requests consumed nothing: 2 admitted on k2's daily quota, 1 before, 1 after.
    expect((await call(app, k2.api_key)).status).toBe(200)
    expect((await c.keys.usage(k2.id)).data.windows.find((w) => w.period === 'daily')?.used).toBe(2)
  })

  it('a user created disabled refuses the keys that already carried its user_id', async () => {
    const app = c.app()
    const key = (await c.keys.create({ name: 'early', user_id: 'acme-7' })).data
    expect((await call(app, key.api_key)).status).toBe(200)
    await c.keys.users.create({ user_id: 'acme-7', name: 'Acme', is_disabled: true })
    expect((await call(app, key.api_key)).status).toBe(401)
    await c.keys.users.update('acme-7', { is_disabled: false })
    expect((await call(app, key.api_key)).status).toBe(200)
  })

  it('the flag written to another hash tag (a key outside the user tag) refuses that key too', async () => {
    const app = c.app()
    // A key of a user that has no user record, in its own tag (as an imported key is in a tag
    // derived from its hash): the tag-wide flag is what disables it. A key without any user
    // is never checked for it.
    const key = (await c.keys.create({ name: 'elsewhere', user_id: `elsewhere-${kind}` })).data
    const tag = key.id.slice(0, 12)
    await c.store.setUserDisabled(tag, true)
    expect((await call(app, key.api_key)).status).toBe(401)
    await c.store.setUserDisabled(tag, false)
    expect((await call(app, key.api_key)).status).toBe(200)
  })

  it("a key without a plan takes its user's plan, and follows the user's and the plan's changes", async () => {
    const app = c.app()
    await c.keys.plans.create({ id: `inh-a-${kind}`, name: 'A', rate: { per_minute: 2 } })
    await c.keys.plans.create({ id: `inh-b-${kind}`, name: 'B', rate: { per_minute: 4 } })
    const { data: user } = await c.keys.users.create({
      name: 'Inheritor',
      plan_id: `inh-a-${kind}`,
    })
    const own = (
      await c.keys.users.createKey(user.user_id, { name: 'own plan', plan_id: `inh-b-${kind}` })
    ).data
    const inherits = (await c.keys.users.createKey(user.user_id, { name: 'no plan' })).data
    expect(inherits.plan_id).toBeNull()
    expect(await statuses(app, inherits.api_key, 3)).toEqual([200, 200, 429])

    // The user's new plan reaches the plan-less key before update returns.
    c.clock.advance(MINUTE)
    await c.keys.users.update(user.user_id, { plan_id: `inh-b-${kind}` })
    expect(await statuses(app, inherits.api_key, 5)).toEqual([200, 200, 200, 200, 429])

    // An edit of that plan too.
    c.clock.advance(MINUTE)
    await c.keys.plans.update(`inh-b-${kind}`, { rate: { per_minute: 1 } })
    expect(await statuses(app, inherits.api_key, 2)).toEqual([200, 429])
    expect(await statuses(app, own.api_key, 2)).toEqual([200, 429])

    // No plan for the user: no limits on the plan-less key; the key with its own plan keeps it.
    c.clock.advance(MINUTE)
    await c.keys.users.update(user.user_id, { plan_id: null })
    expect(await statuses(app, inherits.api_key, 4)).toEqual([200, 200, 200, 200])
    expect(await statuses(app, own.api_key, 2)).toEqual([200, 429])
  })

  it("a key's own limits still override its user's plan, field by field", async () => {
    await c.keys.plans.create({ id: `inh-q-${kind}`, name: 'Q', quotas: { daily: 3, weekly: 50 } })
    const { data: user } = await c.keys.users.create({ name: 'Q user', plan_id: `inh-q-${kind}` })
    const key = (await c.keys.users.createKey(user.user_id, { name: 'k', quotas: { daily: 1 } }))
      .data
    const windows = (await c.keys.usage(key.id)).data.windows
    expect(windows.map((w) => [w.period, w.limit])).toEqual([
      ['daily', 1],
      ['weekly', 50],
    ])
  })
})

describe.each(STORE_KINDS)('users and imported keys (%s store)', (kind) => {
  const c = useStore(kind)

  it("disabling a user reaches its imported keys, whose hash tag is their token's, not the user's", async () => {
    const app = c.app()
    const token = `legacy_${kind}_4f1c2a9e7b3d5f60a8c1`
    const { data: user } = await c.keys.users.create({ name: 'Migrated' })
    const report = await c.keys.import({ keys: [{ api_key: token, user_id: user.user_id }] })
    expect(report.data.created).toBe(1)
    const [imported] = (await c.keys.users.keys(user.user_id)).data
    expect(imported?.id.slice(0, 12)).not.toBe(
      (await c.keys.users.createKey(user.user_id, { name: 'native' })).data.id.slice(0, 12),
    )
    expect((await call(app, token)).status).toBe(200)

    await c.keys.users.update(user.user_id, { is_disabled: true })
    const res = await call(app, token)
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('INACTIVE_API_KEY')

    await c.keys.users.update(user.user_id, { is_disabled: false })
    expect((await call(app, token)).status).toBe(200)
  })
})
