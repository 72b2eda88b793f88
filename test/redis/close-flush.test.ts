// store.close() writes what the guard still buffers: every logged request, and every counted IP failure.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, ipBlockerFor, KeyManager, RedisStore } from '../../src'
import { mintToken, newKeyId } from '../../src/token'
import { deletePrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'

describe('RedisStore.close() flushes the buffers (test Redis)', () => {
  const admin = newClient()
  const prefixes: string[] = []
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix)
    admin.disconnect()
  })
  const openStore = (): RedisStore => {
    const prefix = uniquePrefix()
    prefixes.push(prefix)
    return new RedisStore({ url: testRedisUrl(), prefix })
  }

  it('writes every buffered request log entry, exactly', async () => {
    const store = openStore()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Logged' })
    // Nothing would flush on its own during the test: a large batch and a long interval.
    const guard = apiKeyGuard({
      store,
      ipBlock: false,
      requestLog: { batchSize: 10_000, flushIntervalMs: 3_600_000 },
    })
    const app = express().get('/r', guard, (_req, res) => {
      res.json({ ok: true })
    })
    for (let i = 0; i < 23; i++) {
      expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
    }
    const stream = `${store.prefix}{${data.id.slice(0, 12)}}:l:${data.id}`
    expect(await admin.xlen(stream)).toBe(0)
    await store.close()
    expect(await admin.xlen(stream)).toBe(23)
  })

  it('adds every failure counted in this process to the shared count, exactly', async () => {
    const store = openStore()
    const blocker = ipBlockerFor(store, { failures: 1000 })
    const app = express().get('/r', apiKeyGuard({ store, requestLog: false }), (_req, res) => {
      res.json({ ok: true })
    })
    app.set('trust proxy', true)
    // Guesses: tokens that pass the checksum, of ids that do not exist.
    for (let i = 0; i < 7; i++) {
      const guess = mintToken('kg', 'sk', newKeyId(`nobody-${i}`))
      const res = await request(app)
        .get('/r')
        .set('X-API-Key', guess)
        .set('X-Forwarded-For', '203.0.113.77')
      expect(res.status).toBe(401)
    }
    expect(blocker.failures).toBe(1000)
    await store.close()
    expect(await admin.get(`${store.prefix}ip-fail:203.0.113.77`)).toBe('7')
  })
})
