// Redis came back empty (a restart without persistence) or from an old RDB file: valid tokens get 503, never 401 or an IP block, until the data is back or an operator confirms.

import express, { type Express } from 'express'
import { Registry } from 'prom-client'
import request from 'supertest'
import {
  apiKeyGuard,
  type DataLossEvent,
  ipBlockerFor,
  KeyManager,
  RedisStore,
  StoreDataLostError,
} from '../../src'
import { keyguardMetrics } from '../../src/metrics'
import { hashToken, mintToken, newKeyId, parseToken } from '../../src/token'
import { run } from '../cli/run'
import { uniquePrefix } from '../harness/redis'
import { type RestartableRedis, startRestartableRedis } from '../harness/restartable-redis'

describe('data lost by Redis is told from unknown keys (private redis-server, kill -9 and restart)', () => {
  let redis: RestartableRedis
  const opened: RedisStore[] = []
  beforeAll(async () => {
    redis = await startRestartableRedis()
  })
  afterAll(async () => {
    for (const store of opened) await store.close()
    await redis.stop()
  })

  const open = (events: DataLossEvent[]): RedisStore => {
    const store = new RedisStore({
      url: redis.url,
      prefix: uniquePrefix(),
      onDataLoss: (event) => events.push(event),
    })
    opened.push(store)
    return store
  }
  const appOf = (store: RedisStore): Express => {
    const app = express()
    app.set('trust proxy', true)
    app.get('/r', apiKeyGuard({ store, requestLog: false, ipBlock: { failures: 3 } }), (_q, r) => {
      r.json({ ok: true })
    })
    return app
  }
  const get = (app: Express, token: string) =>
    request(app).get('/r').set('X-API-Key', token).set('X-Forwarded-For', '198.51.100.7')
  /** Until ioredis has reconnected after a restart. */
  const reconnected = async (store: RedisStore): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (
        await store.now().then(
          () => true,
          () => false,
        )
      )
        return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('the store did not reconnect in 5 s')
  }

  it('lost data is never failed open, and reaches the logger and the metric, never the console', async () => {
    const lines: Array<[string, string | undefined]> = []
    const logger = {
      error: (_f: object, m?: string) => lines.push(['error', m]),
      warn: (_f: object, m?: string) => lines.push(['warn', m]),
    }
    const metrics = keyguardMetrics({ registry: new Registry() })
    const store = new RedisStore({ url: redis.url, prefix: uniquePrefix(), logger })
    opened.push(store)
    const consoleSpies = (['log', 'warn', 'error'] as const).map((m) => jest.spyOn(console, m))
    try {
      const { data } = await new KeyManager(store).create({ name: 'Fail-open app' })
      const app = express().get(
        '/r',
        apiKeyGuard({ store, requestLog: false, onStoreError: 'fail-open' }),
        (_q, r) => {
          r.json({ ok: true })
        },
      )
      expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
      await redis.start({ empty: true })
      await reconnected(store)
      const forged = mintToken('kg', 'sk', newKeyId(null))
      for (const token of [data.api_key, forged]) {
        const res = await request(app).get('/r').set('X-API-Key', token)
        expect(res.status).toBe(503)
        expect(res.body.code).toBe('STORE_UNAVAILABLE')
      }
      expect(lines).toEqual([['error', expect.stringMatching(/Redis lost keyguard's data/)]])
      const text = await metrics.registry.metrics()
      expect(text).toContain('keyguard_store_data_loss_total 1\n')
      for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of consoleSpies) spy.mockRestore()
      metrics.stop()
    }
  })

  it('a restart without persistence: 503 STORE_UNAVAILABLE, no IP block, a log event; 401 again once confirmed', async () => {
    const events: DataLossEvent[] = []
    const store = open(events)
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Paying customer' })
    const app = appOf(store)
    const guess = mintToken('kg', 'sk', newKeyId(null))
    expect((await get(app, data.api_key)).status).toBe(200)
    expect((await get(app, guess)).status).toBe(401)

    await redis.start({ empty: true })
    await reconnected(store)
    // Ten times the block threshold: the valid token is never taken for a guess.
    for (let i = 0; i < 10; i++) {
      const res = await get(app, data.api_key)
      expect(res.status).toBe(503)
      expect(res.body).toEqual({
        error: 'Service temporarily unavailable',
        code: 'STORE_UNAVAILABLE',
      })
      expect(res.headers['retry-after']).toBe('1')
    }
    expect((await get(app, guess)).status).toBe(503)
    await ipBlockerFor(store).flush()
    expect(await ipBlockerFor(store).list()).toEqual([])
    expect(events).toEqual([
      expect.objectContaining({
        state: 'lost',
        slot: 0,
        lostSlots: 1,
        message: expect.stringMatching(/keyguard store confirm-empty/),
      }),
    ])
    expect(store.dataLossStatus()).toEqual({ lostSlots: 1, refused: 11 })
    // The store itself says why, to a caller of verify().
    const parsed = parseToken(data.api_key, 'kg')
    if (!parsed) throw new Error('unparsable token')
    await expect(
      store.verify({ ...parsed, hash: hashToken(data.api_key), cost: 1, scopes: [] }),
    ).rejects.toBeInstanceOf(StoreDataLostError)

    // A key created meanwhile works, and does not make the loss look confirmed.
    const fresh = (await keys.create({ name: 'Signed up after' })).data
    expect((await get(app, fresh.api_key)).status).toBe(200)
    expect((await get(app, data.api_key)).status).toBe(503)

    const status = await run(['store', 'status', '--json', '--prefix', store.prefix], {
      REDIS_URL: redis.url,
    })
    expect(status.code).toBe(1)
    expect(JSON.parse(status.stdout)).toEqual({
      data: { state: 'empty', sentinels: 0, expected: 1, keys: 1 },
    })
    const refused = await run(['store', 'confirm-empty', '--prefix', store.prefix], {
      REDIS_URL: redis.url,
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/add --yes/)
    const confirmed = await run(['store', 'confirm-empty', '--yes', '--prefix', store.prefix], {
      REDIS_URL: redis.url,
    })
    expect(confirmed.code).toBe(0)
    expect(confirmed.stdout).toMatch(/1 sentinel\(s\) written/)

    // The lost key is now unknown, as a guess is: 401, and counted against the IP.
    expect((await get(app, data.api_key)).status).toBe(401)
    expect(events.map((e) => e.state)).toEqual(['lost', 'restored'])
    for (let i = 0; i < 2; i++) await get(app, guess)
    expect((await get(app, fresh.api_key)).body.code).toBe('IP_BLOCKED')
  })

  it('a restore from an RDB file: 503 while Redis is empty, then 200 again with no operator action', async () => {
    const events: DataLossEvent[] = []
    const store = open(events)
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Backed up' })
    const app = appOf(store)
    expect((await get(app, data.api_key)).status).toBe(200)
    const admin = await import('ioredis').then(({ Redis }) => new Redis(redis.url))
    await admin.save()
    admin.disconnect()
    const backup = redis.backup()

    await redis.start({ empty: true })
    await reconnected(store)
    expect((await get(app, data.api_key)).body.code).toBe('STORE_UNAVAILABLE')

    await redis.restore(backup)
    await reconnected(store)
    expect((await get(app, data.api_key)).status).toBe(200)
    expect((await get(app, mintToken('kg', 'sk', newKeyId(null)))).status).toBe(401)
    expect(events.map((e) => e.state)).toEqual(['lost', 'restored'])
    expect(events[1]?.message).toMatch(/has its data again/)
  })

  it('onDataLoss must be a function: a clear error at creation', () => {
    expect(
      () => new RedisStore({ url: redis.url, onDataLoss: 'page me' as unknown as () => void }),
    ).toThrow(/option "onDataLoss" must be a function/)
  })

  it('a new, empty store answers 401 to guesses, and its first key writes its sentinel', async () => {
    const events: DataLossEvent[] = []
    const store = open(events)
    const app = appOf(store)
    expect((await get(app, mintToken('kg', 'sk', newKeyId(null)))).status).toBe(401)
    expect(await store.sentinelCount()).toEqual({ present: 0, expected: 1 })
    await new KeyManager(store).create({ name: 'First' })
    expect(await store.sentinelCount()).toEqual({ present: 1, expected: 1 })
    expect(events).toEqual([])
  })
})
