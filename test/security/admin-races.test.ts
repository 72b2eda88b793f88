// Concurrent admin writes on one key: each pair runs 50 rounds at once, and the end state is checked exactly.
// Redis: two app processes sharing one Redis. Memory: one process, the two calls interleaved at every await.

import { effectiveLimits } from '../../src/limits'
import { type Answer, type PairKind, useAdminPair } from '../harness/admin-pair'

const ROUNDS = 50

describe.each<PairKind>(['memory', 'redis'])('admin races on %s', (kind) => {
  const pair = useAdminPair(kind)

  /** A fresh key for one round: its id and its token. */
  async function freshKey(round: number, extra: Record<string, unknown> = {}) {
    const created = await pair.send(0, 'POST', '/keys', { name: `race ${round}`, ...extra })
    expect(created.status).toBe(201)
    const data = created.body.data as { id: string; api_key: string }
    return { id: data.id, token: data.api_key }
  }

  async function etagOf(id: string): Promise<string> {
    const { etag } = await pair.send(0, 'GET', `/keys/${id}`)
    expect(etag).toMatch(/^"\d+"$/)
    return etag as string
  }

  /** The two calls, sent at the same moment to the two endpoints. */
  const race = (a: () => Promise<Answer>, b: () => Promise<Answer>): Promise<Answer[]> =>
    Promise.all([a(), b()])

  it(`regenerate ∥ PUT name: only the newest secret authenticates (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { id, token } = await freshKey(round)
      const [regen, put] = await race(
        () => pair.send(0, 'POST', `/keys/${id}/regenerate`),
        () => pair.send(1, 'PUT', `/keys/${id}`, { name: `x${round}` }),
      )
      expect([regen?.status, put?.status]).toEqual([200, 200])
      const fresh = regen?.body.data?.api_key as string
      expect(await pair.verify(fresh)).toEqual({ status: 200, code: undefined })
      expect(await pair.verify(token)).toEqual({ status: 401, code: 'INVALID_API_KEY' })
      expect((await pair.send(0, 'GET', `/keys/${id}`)).body.data?.name).toBe(`x${round}`)
    }
  })

  it(`DELETE ∥ PUT: a deleted key stays deleted (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { id, token } = await freshKey(round)
      const [del, put] = await race(
        () => pair.send(0, 'DELETE', `/keys/${id}`),
        () => pair.send(1, 'PUT', `/keys/${id}`, { name: `x${round}`, status: 'active' }),
      )
      expect(del?.status).toBe(200)
      // The PUT landed before the delete (200), or found the key gone (404): never after it.
      expect([200, 404]).toContain(put?.status)
      expect((await pair.send(1, 'GET', `/keys/${id}`)).status).toBe(404)
      expect((await pair.send(0, 'PUT', `/keys/${id}`, { name: 'again' })).status).toBe(404)
      expect(await pair.verify(token)).toEqual({ status: 401, code: 'INVALID_API_KEY' })
      expect(await pair.store.loadKey(id)).toBeNull()
      const listed = await pair.keys.list({ limit: 100 })
      expect(listed.data.map((k) => k.id)).not.toContain(id)
    }
  })

  it(`PUT inactive ∥ regenerate: the key ends inactive (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { id, token } = await freshKey(round)
      const [put, regen] = await race(
        () => pair.send(0, 'PUT', `/keys/${id}`, { status: 'inactive' }),
        () => pair.send(1, 'POST', `/keys/${id}/regenerate`),
      )
      expect([put?.status, regen?.status]).toEqual([200, 200])
      const fresh = regen?.body.data?.api_key as string
      expect((await pair.send(0, 'GET', `/keys/${id}`)).body.data?.status).toBe('inactive')
      expect(await pair.verify(fresh)).toEqual({ status: 401, code: 'INACTIVE_API_KEY' })
      expect(await pair.verify(token)).toEqual({ status: 401, code: 'INVALID_API_KEY' })
    }
  })

  it(`PUT category ∥ PUT metadata: both land (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { id } = await freshKey(round)
      const answers = await race(
        () => pair.send(0, 'PUT', `/keys/${id}`, { category: `c${round}` }),
        () => pair.send(1, 'PUT', `/keys/${id}`, { metadata: { round } }),
      )
      expect(answers.map((a) => a.status)).toEqual([200, 200])
      const data = (await pair.send(0, 'GET', `/keys/${id}`)).body.data
      expect(data?.category).toBe(`c${round}`)
      expect(data?.metadata).toEqual({ round })
    }
  })

  /** The key's stored limits are exactly those of its record and its plan as they are now. */
  async function expectLimitsMatchPlan(id: string): Promise<void> {
    const loaded = await pair.store.loadKey(id)
    if (!loaded) throw new Error(`key ${id} is gone`)
    const plan = loaded.key.plan_id === null ? null : await pair.store.loadPlan(loaded.key.plan_id)
    expect(loaded.limits).toEqual(effectiveLimits(loaded.key, plan?.plan ?? null))
    if (plan) expect(loaded.planVersion).toBe(plan.version)
  }

  it(`plan edit ∥ key edit: a key never keeps limits of a plan it left (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [from, to] = [`from-${round}`, `to-${round}`]
      for (const id of [from, to]) {
        const plan = { id, name: id, rate: { per_second: 5 }, quotas: { daily: 100 } }
        expect((await pair.send(0, 'POST', '/plans', plan)).status).toBe(201)
      }
      const { id } = await freshKey(round, { plan_id: from })
      // Odd rounds move the key to another plan; even rounds edit a field that keeps the plan.
      const keyEdit = round % 2 === 1 ? { plan_id: to } : { name: `x${round}` }
      const answers = await race(
        () => pair.send(0, 'PUT', `/plans/${from}`, { rate: { per_second: 50 + round } }),
        () => pair.send(1, 'PUT', `/keys/${id}`, keyEdit),
      )
      expect(answers.map((a) => a.status)).toEqual([200, 200])
      await expectLimitsMatchPlan(id)
      const limits = (await pair.store.loadKey(id))?.limits
      expect(limits?.per_second).toBe(round % 2 === 1 ? 5 : 50 + round)
    }
  })

  it(`plan edit ∥ plan edit: every key ends with the newest plan (${ROUNDS} rounds)`, async () => {
    const plan = { id: 'shared', name: 'shared', rate: { per_second: 1 } }
    expect((await pair.send(0, 'POST', '/plans', plan)).status).toBe(201)
    const ids = [(await freshKey(0, { plan_id: 'shared' })).id]
    ids.push((await freshKey(1, { plan_id: 'shared' })).id)
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await race(
        () => pair.send(0, 'PUT', '/plans/shared', { rate: { per_second: 100 + round } }),
        () => pair.send(1, 'PUT', '/plans/shared', { quotas: { daily: 1000 + round } }),
      )
      expect(answers.map((a) => a.status)).toEqual([200, 200])
      const { data } = await pair.keys.plans.get('shared')
      // Different fields: both edits land.
      expect([data.rate.per_second, data.quotas.daily]).toEqual([100 + round, 1000 + round])
      for (const id of ids) await expectLimitsMatchPlan(id)
    }
  })

  it('If-Match: a write against a stale version answers 409 CONFLICT and changes nothing', async () => {
    const { id } = await freshKey(0)
    const read = await etagOf(id)
    expect((await pair.send(1, 'PUT', `/keys/${id}`, { name: 'first' })).status).toBe(200)
    const stale = await pair.send(0, 'PUT', `/keys/${id}`, { name: 'second' }, { 'if-match': read })
    expect(stale.status).toBe(409)
    expect(stale.body.code).toBe('CONFLICT')
    expect((await pair.send(0, 'GET', `/keys/${id}`)).body.data?.name).toBe('first')
    const current = await etagOf(id)
    expect(current).not.toBe(read)
    const ok = await pair.send(0, 'PUT', `/keys/${id}`, { name: 'second' }, { 'if-match': current })
    expect(ok.status).toBe(200)
    expect((await pair.send(0, 'GET', `/keys/${id}`)).body.data?.name).toBe('second')
    const bad = await pair.send(
      0,
      'PUT',
      `/keys/${id}`,
      { name: 'third' },
      { 'if-match': 'nonsense' },
    )
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('VALIDATION_ERROR')
  })
})
