// On an ioredis Cluster, request log flushes and verifications go one script call per hash slot.

import express from 'express'
import { Cluster } from 'ioredis'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs, KeyManager, RedisStore } from '../../src'
import { hashToken, mintToken, newKeyId, parseToken } from '../../src/token'
import { watchCommands } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'

describe('request log on a Redis Cluster (private one-node cluster)', () => {
  let cluster: Cluster
  let store: RedisStore
  // Declared before the server's hooks, so that it runs before the server stops.
  afterAll(async () => {
    await store?.close()
    cluster?.disconnect()
  })
  const redis = usePrivateRedis({
    args: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1'],
    store: false,
  })

  beforeAll(async () => {
    await redis.admin.cluster('ADDSLOTSRANGE', 0, 16383)
    const deadline = Date.now() + 10_000
    while (!String(await redis.admin.cluster('INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('the one-node cluster did not come up in 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    cluster = new Cluster([{ host: '127.0.0.1', port: redis.server.port }])
    await new Promise((resolve) => cluster.once('ready', resolve))
    store = new RedisStore({ client: cluster, prefix: 'kgc:' })
  })

  it('logs each key in its own slot, and nothing for an unknown id', async () => {
    const keys = new KeyManager(store)
    const one = (await keys.create({ name: 'One', user_id: 'u1' })).data
    const two = (await keys.create({ name: 'Two', user_id: 'u2' })).data
    expect(one.id.slice(0, 12)).not.toBe(two.id.slice(0, 12))
    const ghost = newKeyId('ghost')
    const app = express().get(
      '/c',
      apiKeyGuard({ store, requestLog: { batchSize: 100, flushIntervalMs: 3_600_000 } }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    const get = (token: string) => request(app).get('/c').set('X-API-Key', token)
    for (const token of [one.api_key, two.api_key, one.api_key]) {
      expect((await get(token)).status).toBe(200)
    }
    expect((await get(mintToken('kg', 'sk', ghost))).status).toBe(401)

    const watched = await watchCommands(redis.admin)
    await flushRequestLogs(store)
    await watched.stop()
    // One call each: the two keys and the unknown id (which the script leaves alone).
    expect(watched.commands.filter((c) => /^eval/.test(c.name))).toHaveLength(3)
    expect((await keys.requests(one.id)).data.count).toBe(2)
    expect((await keys.requests(two.id)).data.count).toBe(1)
    expect(await redis.admin.keys(`kgc:*${ghost}*`)).toEqual([])
  })

  it('verifications of one tick go one call per hash slot: no CROSSSLOT, each exact', async () => {
    const keys = new KeyManager(store)
    const created = await Promise.all(
      ['a', 'b', 'c'].map(async (user) => {
        const { data } = await keys.create({ name: user, user_id: user, quotas: { total: 2 } })
        return data
      }),
    )
    expect(new Set(created.map((k) => k.id.slice(0, 12))).size).toBe(3)
    const requests = created.flatMap((k) => {
      const parsed = parseToken(k.api_key, 'kg')
      if (!parsed) throw new Error('unparsable token')
      const one = { ...parsed, hash: hashToken(k.api_key), cost: 1, scopes: [] as string[] }
      return [one, one, one]
    })
    const watched = await watchCommands(redis.admin)
    const verdicts = await Promise.all(requests.map((r) => store.verify(r)))
    await watched.stop()
    // Per key (its own slot): two admitted, the third over its quota.
    expect(verdicts.map((v) => v.outcome)).toEqual(Array(3).fill(['ok', 'ok', 'quota']).flat())
    expect(watched.commands.filter((c) => /^eval/.test(c.name))).toHaveLength(3)
  })
})
