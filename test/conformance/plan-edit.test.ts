// A plan edit (keys.plans.update) and a key's own limit change apply on the very next request.

import { call, statuses, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('limit changes (%s store)', (kind) => {
  const c = useStore(kind)
  let n = 0
  const plan = async (input: object) =>
    (await c.keys.plans.create({ id: `plan-${n++}`, name: 'Plan', ...input })).data.id

  it('a plan quota edit reaches every key on the plan on its next request', async () => {
    const app = c.app()
    const id = await plan({ quotas: { daily: 100 } })
    const a = (await c.keys.create({ name: 'A', plan_id: id })).data
    const b = (await c.keys.create({ name: 'B', plan_id: id })).data
    expect(await statuses(app, a.api_key, 3)).toEqual([200, 200, 200])
    expect((await call(app, b.api_key)).status).toBe(200)

    await c.keys.plans.update(id, { quotas: { daily: 3 } })
    const over = await call(app, a.api_key)
    expect(over.status).toBe(401)
    expect(over.headers['ratelimit-policy']).toBe('"daily";q=3;w=86400')
    expect(await statuses(app, b.api_key, 3)).toEqual([200, 200, 401])

    await c.keys.plans.update(id, { quotas: { daily: 5 } })
    expect(await statuses(app, a.api_key, 3)).toEqual([200, 200, 401])
  })

  it('a plan rate edit applies on the next request', async () => {
    const app = c.app()
    const id = await plan({ rate: { per_second: 100, burst: 100 } })
    const key = (await c.keys.create({ name: 'Rated', plan_id: id })).data
    expect((await call(app, key.api_key)).status).toBe(200)
    await c.keys.plans.update(id, { rate: { per_second: 1, burst: 1 } })
    const res = await call(app, key.api_key)
    expect(res.status).toBe(429)
    expect(res.headers['ratelimit-policy']).toBe('"burst";q=1;w=1')
  })

  it("a key's own limit overrides its plan's, field by field, across plan edits", async () => {
    const app = c.app()
    const id = await plan({ quotas: { daily: 2, weekly: 100 } })
    const key = (await c.keys.create({ name: 'Own daily', plan_id: id, quotas: { daily: 4 } })).data
    await c.keys.plans.update(id, { quotas: { daily: 1, weekly: 3 } })
    // daily stays the key's 4; weekly follows the plan's new 3.
    const first = await call(app, key.api_key)
    expect(first.headers['ratelimit-policy']).toBe('"daily";q=4;w=86400, "weekly";q=3;w=604800')
    expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
    expect((await call(app, key.api_key)).body.error).toBe('Rate limit exceeded: quota weekly')
  })

  it("a key's own rates override its plan's, field by field", async () => {
    const id = await plan({ rate: { per_second: 2, burst: 3, per_minute: 100 } })
    const key = (await c.keys.create({ name: 'Own rate', plan_id: id, rate: { per_second: 5 } }))
      .data
    const limits = (await c.store.loadKey(key.id))?.limits
    expect([limits?.per_second, limits?.burst, limits?.per_minute]).toEqual([5, 3, 100])
    await c.keys.plans.update(id, { rate: { per_second: 1, per_minute: 10 } })
    const edited = (await c.store.loadKey(key.id))?.limits
    expect([edited?.per_second, edited?.burst, edited?.per_minute]).toEqual([5, 3, 10])
  })

  it("a key's own limit update applies on the next request", async () => {
    const app = c.app()
    const key = (await c.keys.create({ name: 'Own', rate: { per_minute: 100 } })).data
    expect((await call(app, key.api_key)).status).toBe(200)
    await c.keys.update(key.id, { rate: { per_minute: 1 } })
    expect((await call(app, key.api_key)).status).toBe(429)
    await c.keys.update(key.id, { rate: { per_minute: null } })
    expect((await call(app, key.api_key)).status).toBe(200)
  })

  it('moving a key to another plan applies on the next request', async () => {
    const app = c.app()
    const loose = await plan({ quotas: { daily: 100 } })
    const tight = await plan({ quotas: { daily: 1 } })
    const key = (await c.keys.create({ name: 'Mover', plan_id: loose })).data
    expect(await statuses(app, key.api_key, 2)).toEqual([200, 200])
    await c.keys.update(key.id, { plan_id: tight })
    expect((await call(app, key.api_key)).status).toBe(401)
    // …and an edit of the old plan no longer touches it.
    await c.keys.plans.update(loose, { quotas: { daily: 1000 } })
    expect((await call(app, key.api_key)).status).toBe(401)
  })
})
