// Imported keys keep the hot path at one EVALSHA per request (commandstats and MONITOR of a private server).

import { createHash } from 'node:crypto'
import express, { type Express } from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { callsSinceReset, resetStats, totalCalls, watchCommands } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'

describe('imported keys: one script call per request (private redis-server)', () => {
  const redis = usePrivateRedis()
  const app = (importedKeys = true): Express =>
    express().get(
      '/r',
      apiKeyGuard({ store: redis.store, requestLog: false, ipBlock: false, importedKeys }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
  const get = (a: Express, token: string) =>
    request(a).get('/r').set('Authorization', `Bearer ${token}`)

  it('a plaintext-imported key and a hash-imported key cost exactly one EVALSHA each', async () => {
    const plain = 'sk_live_imported_plaintext_key'
    const hashed = 'unkey_3ZZimportedHashedKey'
    const { data } = await redis.keys.import({
      keys: [
        { api_key: plain, quotas: { daily: 100 } },
        { hash: createHash('sha256').update(hashed).digest('hex'), rate: { per_second: 50 } },
      ],
    })
    expect(data.created).toBe(2)
    const open = app()
    expect((await get(open, plain)).status).toBe(200) // warm-up: the script loads once

    await resetStats(redis.admin)
    const watched = await watchCommands(redis.admin)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(open, plain)).status)
    for (let i = 0; i < 3; i++) statuses.push((await get(open, hashed)).status)
    await watched.stop()
    expect(statuses).toEqual(Array(7).fill(200))
    expect((await callsSinceReset(redis.admin)).evalsha).toBe(7)
    expect(watched.commands.map((c) => c.name)).toEqual(Array(7).fill('evalsha'))
  })

  it('with importedKeys: false a foreign token makes zero Redis calls', async () => {
    const closed = app(false)
    await resetStats(redis.admin)
    for (const token of ['sk_live_imported_plaintext_key', 'some-other-vendor-key']) {
      expect((await get(closed, token)).body.code).toBe('INVALID_API_KEY')
    }
    expect(totalCalls(await callsSinceReset(redis.admin))).toBe(0)
  })
})
