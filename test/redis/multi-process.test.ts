// Exactness across processes: 4 app processes on one Redis admit exactly N of 4×N concurrent requests.

import { KeyManager, RedisStore } from '../../src'
import { type AppProcesses, fireAtOnce, startAppProcesses } from '../harness/app-processes'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../harness/redis'

const PROCESSES = 4
const N = 50

const count = (results: Array<{ status: number }>, status: number) =>
  results.filter((r) => r.status === status).length

describe('4 app processes sharing one Redis', () => {
  const prefix = uniquePrefix()
  const clockMs = Date.parse('2026-05-05T12:00:00Z')
  let store: RedisStore
  let keys: KeyManager
  let live: AppProcesses
  let frozen: AppProcesses

  beforeAll(async () => {
    store = new RedisStore({ url: testRedisUrl(), prefix })
    keys = new KeyManager(store)
    // `live` uses Redis TIME; `frozen` a fixed clock, so a burst cannot refill mid-test.
    ;[live, frozen] = await Promise.all([
      startAppProcesses(PROCESSES, { redisUrl: testRedisUrl(), prefix }),
      startAppProcesses(PROCESSES, { redisUrl: testRedisUrl(), prefix, clockMs }),
    ])
  }, 60000)

  afterAll(async () => {
    await Promise.all([live?.stop(), frozen?.stop()])
    await deletePrefix(prefix)
    await store.close()
  })

  it.each([
    ['total', { total: N }],
    ['daily', { daily: N }],
    ['monthly', { monthly: N, weekly: N * 10 }],
  ])('a %s quota of N admits exactly N of 4×N concurrent requests', async (period, quotas) => {
    const { data } = await keys.create({ name: `Shared ${period}`, quotas })
    const results = await fireAtOnce(live.urls, data.api_key, PROCESSES * N)
    expect(count(results, 200)).toBe(N)
    expect(count(results, 401)).toBe(PROCESSES * N - N)
    expect(new Set(results.filter((r) => r.status === 401).map((r) => r.code))).toEqual(
      new Set(['QUOTA_EXCEEDED']),
    )
    // Every process answered some of the concurrent requests for the one key: the race was real.
    // (Which process admits the N that fit is up to the scheduler.)
    expect(new Set(results.map((r) => r.pid).filter(Boolean)).size).toBe(PROCESSES)
    const usage = (await keys.usage(data.id)).data
    expect(usage.total_requests).toBe(N)
  })

  it('a burst of B admits exactly B of 4×B concurrent requests', async () => {
    const burst = 25
    const { data } = await keys.create({ name: 'Shared burst', rate: { per_second: 1, burst } })
    const results = await fireAtOnce(frozen.urls, data.api_key, PROCESSES * burst)
    expect(count(results, 200)).toBe(burst)
    expect(count(results, 429)).toBe(PROCESSES * burst - burst)
  })

  it('a per-user rate shared by several keys admits exactly its cap across processes', async () => {
    const plan = await keys.plans.create({
      name: 'Per user',
      rate: { per_minute: 30 },
      rate_scope: 'user',
    })
    const tokens = await Promise.all(
      [1, 2, 3].map(
        async () =>
          (await keys.create({ name: 'Team key', user_id: 'team-1', plan_id: plan.data.id })).data
            .api_key,
      ),
    )
    const all = await Promise.all(tokens.map((t) => fireAtOnce(frozen.urls, t, 40)))
    expect(count(all.flat(), 200)).toBe(30)
  })
})
