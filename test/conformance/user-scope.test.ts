// rate_scope "user": the rate limits apply to the account, across every key of one user_id.

import { call, statuses, useStore } from '../harness/guard'
import { MINUTE, STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('rate_scope user (%s store)', (kind) => {
  const c = useStore(kind)
  let n = 0
  const userPlan = async (input: object) =>
    (
      await c.keys.plans.create({
        id: `user-${n++}`,
        name: 'Per user',
        rate_scope: 'user',
        ...input,
      })
    ).data.id
  const key = async (planId: string, userId: string | number | null) =>
    (await c.keys.create({ name: `Key of ${userId}`, plan_id: planId, user_id: userId })).data
      .api_key

  it("two keys of one user share the rate; another user's keys do not", async () => {
    const app = c.app()
    const plan = await userPlan({ rate: { per_minute: 3 } })
    const [a1, a2, b1] = [
      await key(plan, 'alice'),
      await key(plan, 'alice'),
      await key(plan, 'bob'),
    ]

    expect(await statuses(app, a1, 2)).toEqual([200, 200])
    expect((await call(app, a2)).status).toBe(200)
    const limited = await call(app, a2)
    expect(limited.status).toBe(429)
    expect(limited.body.error).toMatch(/per-minute/)
    expect((await call(app, a1)).status).toBe(429)
    expect(await statuses(app, b1, 4)).toEqual([200, 200, 200, 429])

    c.clock.advance(MINUTE)
    expect(await statuses(app, a2, 3)).toEqual([200, 200, 200])
    expect((await call(app, a1)).status).toBe(429)
  })

  it('shares the burst too, and keeps quotas per key', async () => {
    const app = c.app()
    const plan = await userPlan({ rate: { per_second: 1, burst: 2 }, quotas: { daily: 1 } })
    const [k1, k2, k3] = [await key(plan, 42), await key(plan, 42), await key(plan, 42)]
    expect((await call(app, k1)).status).toBe(200)
    expect((await call(app, k2)).status).toBe(200)
    expect((await call(app, k3)).status).toBe(429)
    c.clock.advance(10_000)
    // k1 has spent its own daily quota; k3 has not.
    expect((await call(app, k1)).body.code).toBe('QUOTA_EXCEEDED')
    expect((await call(app, k3)).status).toBe(200)
  })

  it('a key without user_id on a per-user plan is limited on its own', async () => {
    const app = c.app()
    const plan = await userPlan({ rate: { per_minute: 1 } })
    const [x, y] = [await key(plan, null), await key(plan, null)]
    expect((await call(app, x)).status).toBe(200)
    expect((await call(app, y)).status).toBe(200)
    expect((await call(app, x)).status).toBe(429)
  })

  it('switching a plan to rate_scope user applies on the next request', async () => {
    const app = c.app()
    const plan = (
      await c.keys.plans.create({ id: `switch-${n++}`, name: 'Switch', rate: { per_minute: 2 } })
    ).data.id
    const [k1, k2] = [await key(plan, 'carol'), await key(plan, 'carol')]
    expect(await statuses(app, k1, 2)).toEqual([200, 200])
    expect((await call(app, k2)).status).toBe(200)
    await c.keys.plans.update(plan, { rate_scope: 'user' })
    expect(await statuses(app, k2, 3)).toEqual([200, 200, 429])
    expect((await call(app, k1)).status).toBe(429)
  })
})
