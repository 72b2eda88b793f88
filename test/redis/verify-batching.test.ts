// Verifications that arrive in one tick share one verify.lua call, and stay exact and all-or-nothing.

import { hashToken, parseToken } from '../../src/token'
import { callsSinceReset, resetStats } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'

describe('verification batching (private redis-server)', () => {
  const redis = usePrivateRedis()

  const requestOf = (token: string, cost = 1) => {
    const parsed = parseToken(token, 'kg')
    if (!parsed) throw new Error('unparsable token')
    return { ...parsed, hash: hashToken(token), cost, scopes: [] as string[] }
  }

  it('50 verifications in one tick: one script call, exactly the quota admitted', async () => {
    const { data } = await redis.keys.create({ name: 'Batched', quotas: { total: 20 } })
    const request = requestOf(data.api_key)
    // The first call loads the script on the connection.
    expect((await redis.store.verify({ ...request, cost: 0 })).outcome).toBe('ok')
    await resetStats(redis.admin)
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, () => redis.store.verify(request)),
    )
    const calls = await callsSinceReset(redis.admin)
    expect((calls.evalsha ?? 0) + (calls.eval ?? 0)).toBe(1)
    expect(verdicts.filter((v) => v.outcome === 'ok')).toHaveLength(20)
    expect(verdicts.filter((v) => v.outcome === 'quota')).toHaveLength(30)
    // Each answer sees the state its own turn left: remaining counts down 19, 18, … 0.
    const remaining = verdicts
      .filter((v) => v.outcome === 'ok')
      .map((v) => v.windows.find((w) => w.name === 'total')?.remaining)
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i))
    expect((await redis.keys.usage(data.id)).data.total_requests).toBe(20)
  })

  it('a batch mixes keys, outcomes and records; the record comes back for each token', async () => {
    const good = (await redis.keys.create({ name: 'Good', scopes: ['read'] })).data
    const off = (await redis.keys.create({ name: 'Off', status: 'inactive' })).data
    const tight = (await redis.keys.create({ name: 'Tight', rate: { per_second: 1 } })).data
    const verdicts = await Promise.all([
      redis.store.verify(requestOf(good.api_key)),
      redis.store.verify({ ...requestOf(good.api_key), scopes: ['write'] }),
      redis.store.verify(requestOf(off.api_key)),
      redis.store.verify(requestOf(tight.api_key)),
      redis.store.verify(requestOf(tight.api_key)),
      redis.store.verify({ ...requestOf(good.api_key), hash: hashToken('wrong') }),
    ])
    expect(verdicts.map((v) => v.outcome)).toEqual([
      'ok',
      'scope',
      'inactive',
      'ok',
      'rate',
      'invalid',
    ])
    expect(JSON.parse(verdicts[0]?.record ?? '{}').name).toBe('Good')
    expect(JSON.parse(verdicts[3]?.record ?? '{}').name).toBe('Tight')
    expect(verdicts[4]?.failed).toBe('second')
  })

  it('a shorter timeout is never shared: each verification keeps its own bound', async () => {
    const { data } = await redis.keys.create({ name: 'Bounds' })
    const request = requestOf(data.api_key)
    await resetStats(redis.admin)
    const verdicts = await Promise.all([
      redis.store.verify(request),
      redis.store.verify(request, 100),
      redis.store.verify(request),
    ])
    expect(verdicts.map((v) => v.outcome)).toEqual(['ok', 'ok', 'ok'])
    // The two with the store's own bound share a call; the one with 100 ms has its own.
    const calls = await callsSinceReset(redis.admin)
    expect((calls.evalsha ?? 0) + (calls.eval ?? 0)).toBe(2)
  })
})
