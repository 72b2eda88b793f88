// On an ioredis Cluster the request log sends one script call per key (keys live in many slots).

import express from 'express'
import { Cluster, type Redis } from 'ioredis'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs, KeyManager, RedisStore } from '../../src'
import { mintToken, newKeyId } from '../../src/token'
import { newClient } from '../harness/redis'
import { type RedisServer, startRedisServer } from '../harness/redis-server'
import { watchCommands } from '../redis/commandstats'

describe('request log on a Redis Cluster (private one-node cluster)', () => {
  let server: RedisServer
  let admin: Redis
  let cluster: Cluster
  let store: RedisStore

  beforeAll(async () => {
    server = await startRedisServer([
      '--cluster-enabled',
      'yes',
      '--cluster-announce-ip',
      '127.0.0.1',
    ])
    admin = newClient(server.url)
    await admin.cluster('ADDSLOTSRANGE', 0, 16383)
    const deadline = Date.now() + 10_000
    while (!String(await admin.cluster('INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('the one-node cluster did not come up in 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    cluster = new Cluster([{ host: '127.0.0.1', port: server.port }])
    await new Promise((resolve) => cluster.once('ready', resolve))
    store = new RedisStore({ client: cluster, prefix: 'kgc:' })
  })
  afterAll(async () => {
    await store?.close()
    cluster?.disconnect()
    admin?.disconnect()
    await server?.stop()
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

    const watched = await watchCommands(admin)
    await flushRequestLogs(store)
    await watched.stop()
    // One call each: the two keys and the unknown id (which the script leaves alone).
    expect(watched.commands.filter((c) => /^eval/.test(c.name))).toHaveLength(3)
    expect((await keys.requests(one.id)).data.count).toBe(2)
    expect((await keys.requests(two.id)).data.count).toBe(1)
    expect(await admin.keys(`kgc:*${ghost}*`)).toEqual([])
  })
})
