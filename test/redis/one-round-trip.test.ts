// The hot path is exactly one EVALSHA per request, whatever the verdict (INFO commandstats); a not-found key adds one sentinel check.

import express, { type Express } from 'express'
import request from 'supertest'
import { type ApiKeyGuardOptions, apiKeyGuard } from '../../src'
import { mintToken } from '../../src/token'
import { callsSinceReset, resetStats, totalCalls, watchCommands } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'

describe('one script call per request (private redis-server)', () => {
  const redis = usePrivateRedis()

  const app = (options: Omit<ApiKeyGuardOptions, 'store'> = {}): Express => {
    const a = express()
    // Failed attempts per IP reach Redis in background batches (test/security/ip-block.test.ts):
    // off here, so that only the request path is counted.
    a.get(
      '/r',
      apiKeyGuard({ store: redis.store, requestLog: false, ipBlock: false, ...options }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    return a
  }
  const get = (a: Express, token: string) =>
    request(a).get('/r').set('Authorization', `Bearer ${token}`)

  it('K requests with every kind of verdict make exactly K EVALSHA calls, and a not-found key one EXISTS more', async () => {
    const all = await redis.keys.create({
      name: 'All six',
      user_id: 'u1',
      scopes: ['read'],
      rate: { per_second: 100, burst: 100, per_minute: 1000 },
      quotas: { total: 1000, daily: 1000, weekly: 1000, monthly: 1000 },
    })
    const rated = await redis.keys.create({ name: 'Rated', rate: { per_second: 1, burst: 1 } })
    const spent = await redis.keys.create({ name: 'Spent', quotas: { total: 0 } })
    const off = await redis.keys.create({ name: 'Off', status: 'inactive' })
    const plan = await redis.keys.plans.create({
      name: 'Team',
      rate: { per_minute: 100 },
      rate_scope: 'user',
    })
    const team = await redis.keys.create({ name: 'Team', user_id: 'team', plan_id: plan.data.id })
    const open = app()
    const scoped = app({ scopes: ['write'] })
    // Warm up: the first call on a connection loads the script (EVAL).
    expect((await get(open, all.data.api_key)).status).toBe(200)

    await resetStats(redis.admin)
    const watched = await watchCommands(redis.admin)
    const statuses: number[] = []
    const send = async (a: Express, token: string) => statuses.push((await get(a, token)).status)
    for (let i = 0; i < 5; i++) await send(open, all.data.api_key)
    for (let i = 0; i < 3; i++) await send(open, rated.data.api_key)
    await send(open, spent.data.api_key)
    await send(open, off.data.api_key)
    await send(scoped, all.data.api_key)
    await send(open, team.data.api_key)
    await send(open, mintToken('kg', 'sk', all.data.id))
    await send(open, mintToken('kg', 'sk', `${all.data.id.slice(0, 12)}ZZZZZZZZ`))

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 401, 401, 403, 200, 401, 401])
    await watched.stop()
    // commandstats also counts the commands a script runs; MONITOR tells the two apart.
    expect((await callsSinceReset(redis.admin)).evalsha).toBe(statuses.length)
    // A token whose key is not found (or whose secret is wrong) then costs one EXISTS of the
    // store's sentinel (docs/redis-layout.md): a guess, or data Redis lost? Nothing else does.
    const expected = Array(statuses.length).fill('evalsha')
    expected.splice(13, 0, 'exists')
    expected.push('exists')
    expect(watched.commands.map((c) => c.name)).toEqual(expected)
  })

  it('request logging stays off the hot path: still one call per request until the batch flushes', async () => {
    const { data } = await redis.keys.create({ name: 'Logged', quotas: { daily: 100 } })
    const logged = app({ requestLog: { batchSize: 10000, flushIntervalMs: 3600000 } })
    await get(logged, data.api_key)
    await resetStats(redis.admin)
    const watched = await watchCommands(redis.admin)
    for (let i = 0; i < 7; i++) expect((await get(logged, data.api_key)).status).toBe(200)
    await watched.stop()
    expect((await callsSinceReset(redis.admin)).evalsha).toBe(7)
    expect(watched.commands.map((c) => c.name)).toEqual(Array(7).fill('evalsha'))
  })

  it('malformed, mistyped and missing credentials make zero Redis calls', async () => {
    const { data } = await redis.keys.create({ name: 'Real' })
    const open = app()
    await get(open, data.api_key)
    const token = data.api_key
    await resetStats(redis.admin)
    const bad = [
      'garbage',
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      `${token.slice(0, 30)}${token[30] === 'x' ? 'y' : 'x'}${token.slice(31)}`,
      token.slice(0, -2),
      `${token}0`,
      mintToken('zz', 'sk', data.id),
      `kg_xx_${token.slice(6)}`,
      'x'.repeat(5000),
    ]
    for (const value of bad) {
      expect((await get(open, value)).body.code).toBe('INVALID_API_KEY')
      expect((await request(open).get('/r').set('X-API-Key', value)).status).toBe(401)
    }
    expect((await request(open).get('/r')).body.code).toBe('MISSING_API_KEY')
    expect((await request(open).get('/r').set('Authorization', 'Basic abc')).status).toBe(401)
    expect(totalCalls(await callsSinceReset(redis.admin))).toBe(0)
  })
})
