// An edit that changes nothing writes nothing: same version (ETag), no audit record, no key of a plan rewritten;
// yet sending a plan edit again still finishes one that was interrupted.

import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('no-op edits (%s)', (kind) => {
  const h = useAdmin(kind)

  const auditCount = async (targetId: string): Promise<number> => {
    const res = await call(h.app(), 'get', `/admin/audit?target_id=${targetId}&limit=100`, h.token)
    return res.body.count as number
  }

  it('PUT /keys/:id with the values the key has keeps its version and records nothing', async () => {
    const app = h.app()
    const created = await call(app, 'post', '/admin/keys', h.token, {
      name: 'Same',
      scopes: ['a', 'b'],
      metadata: { team: 'x', n: 1 },
      quotas: { daily: 5 },
    })
    const id = created.body.data.id as string
    const read = await call(app, 'get', `/admin/keys/${id}`, h.token)
    const audited = await auditCount(id)
    for (const body of [
      {},
      { name: 'Same' },
      { scopes: ['a', 'b'], metadata: { n: 1, team: 'x' } },
      { quotas: { daily: 5, weekly: null }, rate: { per_second: null } },
      { status: 'active', category: null, expires_at: null, plan_id: null },
    ]) {
      const res = await call(app, 'put', `/admin/keys/${id}`, h.token, body)
      expect({ body, status: res.status }).toEqual({ body, status: 200 })
      expect({ body, etag: res.headers.etag }).toEqual({ body, etag: read.headers.etag })
      expect(res.body.data).toEqual(read.body.data)
    }
    expect(await auditCount(id)).toBe(audited)
    // A real change still lands and is recorded.
    const changed = await call(app, 'put', `/admin/keys/${id}`, h.token, { name: 'Other' })
    expect(changed.headers.etag).not.toBe(read.headers.etag)
    expect(await auditCount(id)).toBe(audited + 1)
  })

  it('PUT /plans/:id with the values the plan has rewrites no key and records nothing', async () => {
    const app = h.app()
    const planId = `steady-${kind}`
    await call(app, 'post', '/admin/plans', h.token, {
      id: planId,
      name: 'Steady',
      quotas: { daily: 9 },
    })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await call(app, 'post', '/admin/keys', h.token, {
        name: `k${i}`,
        plan_id: planId,
      })
      ids.push(res.body.data.id)
    }
    const versions = () => Promise.all(ids.map(async (id) => (await h.store.loadKey(id))?.version))
    const before = await versions()
    const plan = await h.store.loadPlan(planId)
    const audited = await auditCount(planId)
    const res = await call(app, 'put', `/admin/plans/${planId}`, h.token, {
      name: 'Steady',
      quotas: { daily: 9, weekly: null },
    })
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual(plan?.plan)
    expect(await versions()).toEqual(before)
    expect((await h.store.loadPlan(planId))?.version).toBe(plan?.version)
    expect(await auditCount(planId)).toBe(audited)
  })

  it('sending an interrupted plan edit again gives the keys left behind the new limits', async () => {
    const app = h.app()
    const planId = `cut-${kind}`
    await call(app, 'post', '/admin/plans', h.token, {
      id: planId,
      name: 'Cut',
      quotas: { daily: 9 },
    })
    const key = await call(app, 'post', '/admin/keys', h.token, { name: 'Behind', plan_id: planId })
    const id = key.body.data.id as string
    // The plan saved, its keys not rewritten: what a crash between the two steps leaves.
    const current = await h.store.loadPlan(planId)
    if (!current) throw new Error('plan missing')
    const edited = { ...current.plan, quotas: { daily: 20 } }
    expect((await h.store.writePlan(planId, edited, current.version)).ok).toBe(true)
    expect((await h.store.loadKey(id))?.limits.daily).toBe(9)

    const again = await call(app, 'put', `/admin/plans/${planId}`, h.token, {
      quotas: { daily: 20 },
    })
    expect(again.status).toBe(200)
    expect((await h.store.loadKey(id))?.limits.daily).toBe(20)
  })
})
