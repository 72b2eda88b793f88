// IP blocking on failed authentication: what counts, the 403, /64s, trust proxy, options, unblock, shared batched counts, bounded memory.

import express, { type Express } from 'express'
import request from 'supertest'
import {
  type ApiKeyGuardOptions,
  adminRouter,
  apiKeyGuard,
  flushRequestLogs,
  type IpBlocker,
  ipBlockerFor,
  KeyguardConfigError,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
} from '../../src'
import {
  FailureCounts,
  FLUSH_BATCH,
  MAX_PENDING_GROUPS,
  MAX_TRACKED_GROUPS,
} from '../../src/ip-block'
import { mintToken, newKeyId } from '../../src/token'
import { callsSinceReset, resetStats, totalCalls } from '../harness/commandstats'
import { usePrivateRedis } from '../harness/private-redis'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../harness/redis'
import { STORE_KINDS, type StoreKind, TestClock } from '../harness/stores'

const BLOCKED = { error: 'IP temporarily blocked', code: 'IP_BLOCKED' }
const INVALID = { error: 'Invalid API Key', code: 'INVALID_API_KEY' }
/** What supertest's loopback connection is grouped as. */
const LOOPBACK = /^127\.0\.0\.1$|^0:0:0:0::\/64$/

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Fresh {
  store: Store
  keys: KeyManager
}

/** A new store (and so a new IP blocker) per test; Redis ones live under this file's prefix. */
function useFreshStores(kind: StoreKind): { clock: TestClock; fresh(): Fresh } {
  const prefix = uniquePrefix()
  const clock = new TestClock()
  const made: Store[] = []
  afterAll(async () => {
    for (const store of made) await store.close()
    if (kind === 'redis') {
      await deletePrefix(prefix)
    }
  })
  return {
    clock,
    fresh() {
      const store =
        kind === 'memory'
          ? new MemoryStore({ clock: clock.now })
          : new RedisStore({
              url: testRedisUrl(),
              prefix: `${prefix}${made.length}:`,
              clock: clock.now,
            })
      made.push(store)
      return { store, keys: new KeyManager(store) }
    },
  }
}

/** `GET /r` (any token) and `GET /w` (scope `write`) behind guards with the same options. */
function appOf(
  store: Store,
  options: Omit<ApiKeyGuardOptions, 'store'> = {},
  trustProxy = false,
): Express {
  const app = express()
  if (trustProxy) app.set('trust proxy', true)
  const answer = (req: express.Request, res: express.Response) => {
    res.json({ ok: true, id: req.apiKey?.id ?? null })
  }
  app.get('/r', apiKeyGuard({ store, ...options }), answer)
  app.get('/w', apiKeyGuard({ store, ...options, scopes: ['write'] }), answer)
  app.get('/pat-only', apiKeyGuard({ store, ...options, tokenTypes: ['pat'] }), answer)
  return app
}

function get(app: Express, token: string | null, ip?: string, path = '/r'): request.Test {
  let test = request(app).get(path)
  if (token !== null) test = test.set('Authorization', `Bearer ${token}`)
  if (ip !== undefined) test = test.set('X-Forwarded-For', ip)
  return test
}

/** A token of our format with its last (checksum) character changed. */
const badChecksum = (token: string): string =>
  token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')

describe.each(STORE_KINDS)('IP blocking (%s store)', (kind) => {
  const s = useFreshStores(kind)

  it('after 20 failures (the default) even a valid key gets 403 IP_BLOCKED, Retry-After ≈ 900 s', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store)
    const { data } = await keys.create({ name: 'Valid', quotas: { total: 1000 } })
    expect((await get(app, data.api_key)).status).toBe(200)
    for (let i = 0; i < 20; i++) {
      const res = await get(app, mintToken('kg', 'sk', data.id))
      expect(res.status).toBe(401)
      expect(res.body).toEqual(INVALID)
    }
    const started = Date.now()
    const res = await get(app, data.api_key)
    expect(res.status).toBe(403)
    expect(res.body).toEqual(BLOCKED)
    const retry = Number(res.headers['retry-after'])
    expect(retry).toBeGreaterThanOrEqual(890)
    expect(retry).toBeLessThanOrEqual(900)
    // Refused before the key was looked at: nothing charged.
    expect((await keys.usage(data.id)).data.total_requests).toBe(1)

    // The block is written to the store in the background: wait for it.
    await ipBlockerFor(store).flush()
    const list = await ipBlockerFor(store).list()
    expect(list).toHaveLength(1)
    expect(list[0]?.ip).toMatch(LOOPBACK)
    const until = Date.parse(list[0]?.blocked_until ?? '')
    expect(until).toBeGreaterThan(started + 890_000)
    expect(until).toBeLessThanOrEqual(Date.now() + 900_000)
  })

  it('the 19th failure still leaves a valid key in; the 20th blocks', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store)
    const { data } = await keys.create({ name: 'Edge' })
    for (let i = 0; i < 19; i++) await get(app, 'kg_sk_nonsense')
    expect((await get(app, data.api_key)).status).toBe(200)
    expect((await get(app, 'kg_sk_nonsense')).status).toBe(401)
    expect((await get(app, data.api_key)).body).toEqual(BLOCKED)
  })

  describe('what counts as a failure (ipBlock.failures 1, one client IP per case)', () => {
    let app: Express
    let valid = ''
    const tokens: Record<string, string> = {}
    beforeAll(async () => {
      const { store, keys } = s.fresh()
      app = appOf(store, { ipBlock: { failures: 1 } }, true)
      valid = (await keys.create({ name: 'Valid' })).data.api_key
      const sk = await keys.create({ name: 'SK' })
      const pat = await keys.create({ name: 'PAT', type: 'pat' })
      const old = (await keys.create({ name: 'Rotated' })).data
      await keys.regenerate(old.id)
      Object.assign(tokens, {
        garbage: 'hello',
        'a token of another prefix': sk.data.api_key.replace(/^kg_/, 'zz_'),
        'a bad checksum': badChecksum(sk.data.api_key),
        'a truncated token': sk.data.api_key.slice(0, -1),
        'an unknown key id': mintToken('kg', 'sk', newKeyId(null)),
        'a wrong sk secret': mintToken('kg', 'sk', sk.data.id),
        'a wrong pat secret': mintToken('kg', 'pat', pat.data.id),
        'a forged client token': mintToken('kg', 'ct', sk.data.id),
        'an sk token presented as a pat': mintToken('kg', 'pat', sk.data.id),
        'a secret replaced by regenerate': old.api_key,
      })
    })

    it.each([
      ['garbage', '198.51.100.1'],
      ['a token of another prefix', '198.51.100.2'],
      ['a bad checksum', '198.51.100.3'],
      ['a truncated token', '198.51.100.4'],
      ['an unknown key id', '198.51.100.5'],
      ['a wrong sk secret', '198.51.100.6'],
      ['a wrong pat secret', '198.51.100.7'],
      ['a forged client token', '198.51.100.8'],
      ['an sk token presented as a pat', '198.51.100.9'],
      ['a secret replaced by regenerate', '198.51.100.10'],
    ])('%s counts', async (name, ip) => {
      const res = await get(app, tokens[name] ?? '', ip)
      expect(res.status).toBe(401)
      expect(res.body).toEqual(INVALID)
      const next = await get(app, valid, ip)
      expect(next.status).toBe(403)
      expect(next.body).toEqual(BLOCKED)
      // Another IP is not affected.
      expect((await get(app, valid, '198.51.100.200')).status).toBe(200)
    })

    it('an X-API-Key header counts the same', async () => {
      const ip = '198.51.100.11'
      const res = await request(app).get('/r').set('X-API-Key', 'nope').set('X-Forwarded-For', ip)
      expect(res.status).toBe(401)
      expect((await get(app, valid, ip)).body).toEqual(BLOCKED)
    })
  })

  describe('what does not count (ipBlock.failures 1, one client IP per case)', () => {
    let app: Express
    let valid = ''
    const tokens: Record<string, string> = {}
    beforeAll(async () => {
      const { store, keys } = s.fresh()
      app = appOf(store, { ipBlock: { failures: 1 } }, true)
      valid = (await keys.create({ name: 'Valid' })).data.api_key
      const create = async (input: Parameters<KeyManager['create']>[0]) =>
        (await keys.create(input)).data.api_key
      const parent = (await keys.create({ name: 'Parent' })).data
      const ct = (await keys.tokens.create({ key_id: parent.id, ttl_seconds: 1 })).data.token
      // Expires as the test clock moves on, with the client token (a past expiry is refused).
      const expired = await create({
        name: 'Old',
        expires_at: new Date(s.clock.ms + 1000).toISOString(),
      })
      s.clock.advance(1000)
      Object.assign(tokens, {
        inactive: await create({ name: 'Off', status: 'inactive' }),
        expired,
        'quota exhausted': await create({ name: 'Spent', quotas: { total: 0 } }),
        rated: await create({ name: 'Rated', rate: { per_second: 1, burst: 1 } }),
        unscoped: await create({ name: 'Unscoped', scopes: ['read'] }),
        sk: await create({ name: 'SK for a pat-only route' }),
        'expired ct': ct,
      })
    })

    it.each([
      ['missing credentials', null, '/r', 401, 'MISSING_API_KEY', '203.0.113.1'],
      ['an empty bearer', '', '/r', 401, 'MISSING_API_KEY', '203.0.113.2'],
      ['an inactive key', 'inactive', '/r', 401, 'INACTIVE_API_KEY', '203.0.113.3'],
      ['an expired key', 'expired', '/r', 401, 'EXPIRED_API_KEY', '203.0.113.4'],
      ['an expired client token', 'expired ct', '/r', 401, 'EXPIRED_API_KEY', '203.0.113.5'],
      ['a quota rejection', 'quota exhausted', '/r', 401, 'QUOTA_EXCEEDED', '203.0.113.6'],
      ['a rate rejection', 'rated', '/r', 429, 'RATE_LIMITED', '203.0.113.7'],
      ['a missing scope', 'unscoped', '/w', 403, 'INSUFFICIENT_SCOPE', '203.0.113.8'],
      [
        'a token type the route refuses',
        'sk',
        '/pat-only',
        403,
        'INSUFFICIENT_SCOPE',
        '203.0.113.9',
      ],
    ])('%s does not count', async (_name, which, path, status, code, ip) => {
      const token = which === null ? null : which === '' ? '' : (tokens[which] ?? 'unset')
      if (which === 'rated') expect((await get(app, token, ip, path)).status).toBe(200)
      for (let i = 0; i < 5; i++) {
        const res = await get(app, token, ip, path)
        expect(res.status).toBe(status)
        expect(res.body.code).toBe(code)
      }
      expect((await get(app, valid, ip)).status).toBe(200)
    })
  })

  it('counts exactly: non-failures add nothing, malformed + unknown + wrong secret reach 3', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 3 } })
    const { data } = await keys.create({ name: 'Valid', scopes: ['read'] })
    const off = (await keys.create({ name: 'Off', status: 'inactive' })).data.api_key
    for (let i = 0; i < 10; i++) {
      expect((await get(app, null)).status).toBe(401)
      expect((await get(app, off)).status).toBe(401)
      expect((await get(app, data.api_key, undefined, '/w')).status).toBe(403)
    }
    expect((await get(app, 'kg_sk_malformed')).status).toBe(401)
    expect((await get(app, mintToken('kg', 'sk', newKeyId('someone')))).status).toBe(401)
    expect((await get(app, data.api_key)).status).toBe(200)
    expect((await get(app, mintToken('kg', 'sk', data.id))).status).toBe(401)
    expect((await get(app, data.api_key)).body).toEqual(BLOCKED)
    // While blocked, even the answers that need no key are the block.
    expect((await get(app, null)).body).toEqual(BLOCKED)
  })

  it('groups IPv6 by /64 and honours trust proxy; another /64 or IPv4 is not blocked', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 2 } }, true)
    const { data } = await keys.create({ name: 'Valid' })
    expect((await get(app, 'bad-1', '2001:db8:aa:1::1')).status).toBe(401)
    expect((await get(app, 'bad-2', '2001:db8:aa:1:ffff:eeee:dddd:2')).status).toBe(401)
    // Any address of that /64, however written, is blocked.
    for (const ip of ['2001:db8:aa:1::abcd', '2001:0db8:00aa:0001:0:0:0:9', '2001:DB8:AA:1::1']) {
      const res = await get(app, data.api_key, ip)
      expect(res.status).toBe(403)
      expect(res.body).toEqual(BLOCKED)
    }
    // The proxy's own address is not what counts: the leftmost X-Forwarded-For is the client.
    expect((await get(app, data.api_key, '2001:db8:aa:1::5, 10.0.0.1')).status).toBe(403)
    for (const ip of ['2001:db8:aa:2::1', '2001:db8:ab:1::1', '198.51.100.77']) {
      expect((await get(app, data.api_key, ip)).status).toBe(200)
    }
    // The loopback the requests really came from is not blocked either.
    expect((await get(app, data.api_key)).status).toBe(200)
    await ipBlockerFor(store).flush()
    expect((await ipBlockerFor(store).list()).map((b) => b.ip)).toEqual(['2001:db8:aa:1::/64'])
  })

  it('without trust proxy, X-Forwarded-For is ignored: rotating it neither evades nor frames', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 2 } })
    const { data } = await keys.create({ name: 'Valid' })
    expect((await get(app, 'bad', '198.51.100.1')).status).toBe(401)
    expect((await get(app, 'bad', '198.51.100.2')).status).toBe(401)
    // Both failures were counted against the socket's address.
    expect((await get(app, data.api_key, '198.51.100.3')).body).toEqual(BLOCKED)
    await ipBlockerFor(store).flush()
    const list = await ipBlockerFor(store).list()
    expect(list.map((b) => b.ip)).toEqual([expect.stringMatching(LOOPBACK)])
  })

  it('respects ipBlock {failures, window, block}: the window rolls, the block ends after `block` s', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 3, window: 1, block: 1 } })
    const { data } = await keys.create({ name: 'Valid' })
    await get(app, 'bad')
    await get(app, 'bad')
    // The IP blocker counts in real time (not the store's test clock).
    await sleep(1200)
    await get(app, 'bad')
    await get(app, 'bad')
    expect((await get(app, data.api_key)).status).toBe(200)
    expect((await get(app, 'bad')).status).toBe(401)
    const res = await get(app, data.api_key)
    expect(res.status).toBe(403)
    expect(res.headers['retry-after']).toBe('1')
    await sleep(1200)
    expect((await get(app, data.api_key)).status).toBe(200)
    expect(await ipBlockerFor(store).list()).toEqual([])
  })

  it("a guard's ipBlock options apply even when adminRouter was created first", async () => {
    const { store, keys } = s.fresh()
    const app = express()
    app.use('/admin', adminRouter({ store }))
    app.get('/r', apiKeyGuard({ store, ipBlock: { failures: 2 } }), (_q, r) => r.json({}))
    const { data } = await keys.create({ name: 'Valid' })
    await get(app, 'bad')
    await get(app, 'bad')
    expect((await get(app, data.api_key)).body).toEqual(BLOCKED)
    expect(ipBlockerFor(store).failures).toBe(2)
    // Two guards on one store cannot count the same IPs by two different rules.
    expect(() => apiKeyGuard({ store, ipBlock: { failures: 5 } })).toThrow(KeyguardConfigError)
    expect(() => apiKeyGuard({ store, ipBlock: { failures: 5 } })).toThrow(/ipBlock/)
    expect(() => apiKeyGuard({ store, ipBlock: { failures: 2 } })).not.toThrow()
    expect(() => apiKeyGuard({ store })).not.toThrow()
  })

  it('forgets blocks that ended: memory stays bounded however many IPs were blocked', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 1, block: 1 } }, true)
    const { data } = await keys.create({ name: 'Valid' })
    for (let i = 0; i < 30; i++) await get(app, 'bad', `198.18.0.${i}`)
    const blocker = ipBlockerFor(store) as unknown as {
      local: Map<string, unknown>
      memoryBlocks: Map<string, unknown>
    }
    expect(blocker.local.size).toBe(30)
    await sleep(1200)
    expect((await get(app, data.api_key, '198.18.0.1')).status).toBe(200)
    await get(app, 'bad', '198.18.1.1')
    // Ended blocks are swept at each flush (about once a second, and on demand).
    await ipBlockerFor(store).flush()
    expect(blocker.local.size).toBe(1)
    expect(blocker.memoryBlocks.size).toBeLessThanOrEqual(1)
    expect((await ipBlockerFor(store).list()).map((b) => b.ip)).toEqual(['198.18.1.1'])
  })

  it('ipBlock: false turns it off', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: false })
    const { data } = await keys.create({ name: 'Valid' })
    for (let i = 0; i < 25; i++) expect((await get(app, 'bad')).status).toBe(401)
    expect((await get(app, data.api_key)).status).toBe(200)
  })

  it('unblock(group) lets the IP in at once and forgets its failures', async () => {
    const { store, keys } = s.fresh()
    const app = appOf(store, { ipBlock: { failures: 2 } }, true)
    const { data } = await keys.create({ name: 'Valid' })
    const ip = '2001:db8:77:1::9'
    await get(app, 'bad', ip)
    await get(app, 'bad', ip)
    expect((await get(app, data.api_key, ip)).status).toBe(403)
    const blocker = ipBlockerFor(store)
    expect(await blocker.unblock('2001:db8:77:1::/64')).toBe(true)
    expect((await get(app, data.api_key, ip)).status).toBe(200)
    expect(await blocker.list()).toEqual([])
    // The count starts again from zero.
    await get(app, 'bad', ip)
    expect((await get(app, data.api_key, ip)).status).toBe(200)
    await get(app, 'bad', ip)
    expect((await get(app, data.api_key, ip)).status).toBe(403)
    expect(await blocker.unblock('198.51.100.250')).toBe(false)
  })

  it('the admin API lists and unblocks (GET /ip-blocks, DELETE /ip-blocks/:ip)', async () => {
    const { store, keys } = s.fresh()
    const app = express()
    app.set('trust proxy', true)
    app.use('/admin', adminRouter({ store, guard: { ipBlock: { failures: 2 } } }))
    app.get('/r', apiKeyGuard({ store, ipBlock: { failures: 2 } }), (_q, r) => r.json({}))
    const admin = (await keys.create({ name: 'Admin', type: 'pat', scopes: ['admin'] })).data
    const { data } = await keys.create({ name: 'Valid' })
    const attacker = '203.0.113.66'
    await get(app, 'bad', attacker)
    await get(app, 'bad', attacker)
    expect((await get(app, data.api_key, attacker)).status).toBe(403)
    // The admin API is guarded by the same blocker: the blocked IP cannot use it either.
    expect((await get(app, admin.api_key, attacker, '/admin/ip-blocks')).status).toBe(403)
    await ipBlockerFor(store).flush()

    const listed = await get(app, admin.api_key, '192.0.2.1', '/admin/ip-blocks')
    expect(listed.status).toBe(200)
    expect(listed.body.count).toBe(1)
    expect(listed.body.data[0].ip).toBe(attacker)
    const lifted = await request(app)
      .delete(`/admin/ip-blocks/${attacker}`)
      .set('Authorization', `Bearer ${admin.api_key}`)
      .set('X-Forwarded-For', '192.0.2.1')
    expect(lifted.status).toBe(200)
    expect((await get(app, data.api_key, attacker)).status).toBe(200)
  })
})

describe('a blocked IP is refused before any key lookup (memory store)', () => {
  it('100 requests from a blocked IP never reach the store', async () => {
    const store = new MemoryStore()
    const keys = new KeyManager(store)
    const app = appOf(store)
    const { data } = await keys.create({ name: 'Valid' })
    for (let i = 0; i < 20; i++) await get(app, mintToken('kg', 'sk', data.id))
    const verify = jest.spyOn(store, 'verify')
    const loadKey = jest.spyOn(store, 'loadKey')
    const statuses = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const token = [data.api_key, mintToken('kg', 'sk', data.id), 'junk', null][i % 4] ?? null
      statuses.add((await get(app, token)).status)
    }
    expect(statuses).toEqual(new Set([403]))
    expect(verify).not.toHaveBeenCalled()
    expect(loadKey).not.toHaveBeenCalled()
    await store.close()
  })
})

describe('IP blocking on Redis: what it costs and how processes share it (private redis-server)', () => {
  const redis = usePrivateRedis({ store: false })
  afterEach(() => {
    jest.useRealTimers()
  })
  /** The shared failure count of a group in Redis (rate-limiter-flexible's key), or null. */
  const sharedCount = async (prefix: string, group: string): Promise<number | null> => {
    const value = await redis.admin.get(`${prefix}ip-fail:${group}`)
    return value === null ? null : Number(value)
  }
  /** Only the flush timer is faked: it fires when a test says so, never in the middle of one. */
  const holdFlushTimer = (): void => {
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'],
    })
  }

  it('INFO commandstats shows zero calls for 100 requests from a blocked IP', async () => {
    const store = redis.storeOn(uniquePrefix())
    const keys = new KeyManager(store)
    // recheck 60 s: the in-memory block is trusted for the whole measurement.
    const app = appOf(store, { ipBlock: { recheck: 60 } })
    const { data } = await keys.create({ name: 'Valid' })
    expect((await get(app, data.api_key)).status).toBe(200)
    for (let i = 0; i < 20; i++) await get(app, mintToken('kg', 'sk', data.id))
    await flushRequestLogs(store)
    await ipBlockerFor(store).flush()
    const verify = jest.spyOn(store, 'verify')

    await resetStats(redis.admin)
    const statuses = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const token = [data.api_key, mintToken('kg', 'sk', data.id), 'junk', null][i % 4] ?? null
      statuses.add((await get(app, token)).status)
    }
    await flushRequestLogs(store)
    await ipBlockerFor(store).flush()
    const calls = await callsSinceReset(redis.admin)

    expect(statuses).toEqual(new Set([403]))
    expect(calls).toEqual({})
    expect(totalCalls(calls)).toBe(0)
    expect(verify).not.toHaveBeenCalled()
  })

  it('malformed tokens cost zero Redis calls, at the request and after: each process throttles them on its own', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const app = appOf(store, { requestLog: false }, true)
    const blocker = ipBlockerFor(store)
    const token = (await new KeyManager(store).create({ name: 'Real' })).data.api_key
    const malformed = ['junk', badChecksum(token), token.slice(0, -1), `kg_xx_${token.slice(6)}`]
    const many = Array.from({ length: 50 }, (_, i) => `198.18.7.${i}`)

    holdFlushTimer()
    await resetStats(redis.admin)
    for (let i = 0; i < 19; i++) {
      expect((await get(app, malformed[i % 4] ?? '', '203.0.113.10')).status).toBe(401)
    }
    for (const ip of many) {
      for (let i = 0; i < 3; i++) expect((await get(app, malformed[i] ?? '', ip)).status).toBe(401)
    }
    // 169 failed authentications, not one Redis command; and none waiting for a flush either.
    await blocker.flush()
    expect(await callsSinceReset(redis.admin)).toEqual({})
    expect(await sharedCount(prefix, '203.0.113.10')).toBeNull()
    expect(blocker.blockedMs('203.0.113.10')).toBe(0)

    // The 20th failure blocks at once, from this process's own count; the block is recorded.
    expect((await get(app, 'junk', '203.0.113.10')).status).toBe(401)
    const refused = await get(app, token, '203.0.113.10')
    expect(refused.body).toEqual(BLOCKED)
    await blocker.flush()
    expect((await blocker.list()).map((b) => b.ip)).toEqual(['203.0.113.10'])
  })

  it('guesses (tokens that pass the checksum) are written to the shared count in one batch', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const app = appOf(store, { requestLog: false }, true)
    const blocker = ipBlockerFor(store)
    const { data } = await new KeyManager(store).create({ name: 'Real' })
    const guesses = [mintToken('kg', 'sk', data.id), mintToken('kg', 'sk', newKeyId(null))]
    const many = Array.from({ length: 50 }, (_, i) => `198.18.8.${i}`)

    holdFlushTimer()
    await resetStats(redis.admin)
    for (const ip of many) {
      for (const guess of guesses) expect((await get(app, guess, ip)).status).toBe(401)
    }
    // Each guess costs its verification call, and nothing more on the request path.
    const asked = await callsSinceReset(redis.admin)
    // (The first call may go as EVAL, when this Redis has not seen the script yet.)
    expect((asked.evalsha ?? 0) + (asked.eval ?? 0)).toBe(100)
    expect(asked.incrby).toBeUndefined()

    // The flush adds each group's failures at once: one script call per group, not per failure.
    await resetStats(redis.admin)
    await blocker.flush()
    const calls = await callsSinceReset(redis.admin)
    expect((calls.evalsha ?? 0) + (calls.eval ?? 0)).toBe(many.length)
    expect(calls.incrby).toBe(many.length)
    expect(await sharedCount(prefix, many[0] ?? '')).toBe(2)
  })

  it('failures from two processes add up in Redis: the flush that crosses the threshold blocks', async () => {
    const prefix = uniquePrefix()
    // Two stores with their own clients and blockers, as two app processes have.
    const a = redis.storeOn(prefix)
    const b = redis.storeOn(prefix)
    const keys = new KeyManager(a)
    const options = { ipBlock: { failures: 4, recheck: 60 }, requestLog: false } as const
    const appA = appOf(a, options, true)
    const appB = appOf(b, options, true)
    const blockerA = ipBlockerFor(a)
    const blockerB = ipBlockerFor(b)
    expect(blockerA).not.toBe(blockerB)
    const { data } = await keys.create({ name: 'Valid' })
    const attacker = '203.0.113.20'
    // Only guesses (tokens that pass the checksum) are shared between processes.
    const guess = mintToken('kg', 'sk', data.id)

    holdFlushTimer()
    for (const app of [appA, appA, appB, appB]) {
      expect((await get(app, guess, attacker)).status).toBe(401)
    }
    // Two failures each: below the threshold in either process.
    expect((await get(appA, data.api_key, attacker)).status).toBe(200)
    expect((await get(appB, data.api_key, attacker)).status).toBe(200)

    await blockerA.flush()
    expect(await sharedCount(prefix, attacker)).toBe(2)
    expect((await get(appA, data.api_key, attacker)).status).toBe(200)
    // B's flush takes the shared count to 4: B blocks the IP and records the block.
    await blockerB.flush()
    const refused = await get(appB, data.api_key, attacker)
    expect(refused.status).toBe(403)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(899)
    expect((await blockerA.list()).map((x) => x.ip)).toEqual([attacker])

    // A learns of it with its next failure from that IP, at the flush that follows.
    expect((await get(appA, guess, attacker)).status).toBe(401)
    await blockerA.flush()
    expect((await get(appA, data.api_key, attacker)).body).toEqual(BLOCKED)
    expect(blockerA.blockedMs(attacker)).toBeGreaterThan(890_000)

    // A process's own count needs no flush: four failures in A block another IP in A at once.
    for (let i = 0; i < 4; i++) await get(appA, 'bad', '203.0.113.21')
    expect((await get(appA, data.api_key, '203.0.113.21')).body).toEqual(BLOCKED)
    expect((await get(appB, data.api_key, '203.0.113.21')).status).toBe(200)
  })

  it('a block is shared through Redis: listed by another process, unblocked there, noticed within recheck', async () => {
    const prefix = uniquePrefix()
    const a = redis.storeOn(prefix)
    const b = redis.storeOn(prefix)
    const keys = new KeyManager(a)
    const appA = appOf(a, { ipBlock: { failures: 2, recheck: 1 } })
    const appB = appOf(b, { ipBlock: { failures: 2, recheck: 1 } })
    const { data } = await keys.create({ name: 'Valid' })
    await get(appA, 'bad')
    await get(appA, 'bad')
    expect((await get(appA, data.api_key)).status).toBe(403)
    await ipBlockerFor(a).flush()
    expect((await ipBlockerFor(b).list()).map((x) => x.ip)).toEqual([
      expect.stringMatching(LOOPBACK),
    ])
    // Process B learns of the block with the IP's first guess there, at its next flush.
    expect((await get(appB, mintToken('kg', 'sk', data.id))).status).toBe(401)
    await ipBlockerFor(b).flush()
    expect((await get(appB, data.api_key)).status).toBe(403)

    const group = (await ipBlockerFor(b).list())[0]?.ip ?? ''
    expect(await ipBlockerFor(b).unblock(group)).toBe(true)
    expect((await get(appB, data.api_key)).status).toBe(200)
    await sleep(1200)
    expect((await get(appA, data.api_key)).status).toBe(200)
  })

  it('unblock forgets the local count, the failures waiting for a flush and the shared count', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const blocker = ipBlockerFor(store, { failures: 4 })
    const group = '198.51.100.40'
    holdFlushTimer()
    blocker.fail(group)
    blocker.fail(group)
    await blocker.flush()
    blocker.fail(group)
    expect(await sharedCount(prefix, group)).toBe(2)

    // Not blocked (404 in the admin API), but its failures are forgotten all the same.
    expect(await blocker.unblock(group)).toBe(false)
    expect(await sharedCount(prefix, group)).toBeNull()
    await blocker.flush()
    expect(await sharedCount(prefix, group)).toBeNull()
    // Three more failures: without the unblock this would have been the sixth.
    for (let i = 0; i < 3; i++) expect(blocker.fail(group)).toBe(0)
    await blocker.flush()
    expect(await sharedCount(prefix, group)).toBe(3)
    expect(blocker.fail(group)).toBe(900_000)

    expect(await blocker.unblock(group)).toBe(true)
    expect(blocker.blockedMs(group)).toBe(0)
    expect(await sharedCount(prefix, group)).toBeNull()
    expect(await blocker.list()).toEqual([])
    expect(blocker.fail(group)).toBe(0)
  })

  it('with Redis hung, failures still block in this process and a flush gives up within its timeout', async () => {
    const prefix = uniquePrefix()
    const store = redis.storeOn(prefix)
    const keys = new KeyManager(store)
    const app = appOf(store, { ipBlock: { failures: 3 }, requestLog: false }, true)
    const { data } = await keys.create({ name: 'Valid' })
    const ip = '198.51.100.60'
    redis.server.pause()
    try {
      for (let i = 0; i < 3; i++) expect((await get(app, 'bad', ip)).status).toBe(401)
      expect((await get(app, data.api_key, ip)).body).toEqual(BLOCKED)
      const started = Date.now()
      await ipBlockerFor(store).flush()
      expect(Date.now() - started).toBeLessThan(5000)
      for (let i = 0; i < 2; i++) await get(app, 'bad', '198.51.100.61')
      await ipBlockerFor(store).flush()
    } finally {
      redis.server.resume()
    }
    // The failures that could not be written still count here.
    await get(app, 'bad', '198.51.100.61')
    expect((await get(app, data.api_key, '198.51.100.61')).body).toEqual(BLOCKED)
  })
})

describe('memory stays bounded under failures from very many IPs', () => {
  interface Internals {
    counts: FailureCounts
    local: Map<string, unknown>
    memoryBlocks: Map<string, unknown>
  }
  const internals = (blocker: IpBlocker): Internals => blocker as unknown as Internals
  const ipOf = (i: number): string => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`

  it('keeps at most MAX_TRACKED_GROUPS counts and MAX_PENDING_GROUPS unflushed groups (Redis)', async () => {
    const prefix = uniquePrefix()
    const store = new RedisStore({ url: testRedisUrl(), prefix })
    try {
      const blocker = ipBlockerFor(store, { failures: 1000 })
      const { counts } = internals(blocker)
      const groups = MAX_TRACKED_GROUPS + 10_000
      for (let i = 0; i < groups; i++) blocker.fail(ipOf(i))
      expect(counts.tracked).toBeLessThanOrEqual(MAX_TRACKED_GROUPS)
      expect(counts.tracked).toBeGreaterThanOrEqual(MAX_TRACKED_GROUPS * 0.9)
      expect(counts.waiting).toBeLessThanOrEqual(MAX_PENDING_GROUPS)
      // The oldest windows go first: the latest groups are still counted.
      expect(blocker.fail(ipOf(groups - 1))).toBe(0)
      expect(counts.add(ipOf(groups - 1), Date.now(), 600_000)).toBe(3)
      await blocker.flush()
      expect(counts.waiting).toBe(0)
    } finally {
      await store.close()
      await deletePrefix(prefix)
    }
  })

  it('keeps at most MAX_TRACKED_GROUPS blocks in memory (MemoryStore)', async () => {
    const store = new MemoryStore()
    const blocker = ipBlockerFor(store, { failures: 1 })
    const groups = MAX_TRACKED_GROUPS + 5_000
    for (let i = 0; i < groups; i++) blocker.fail(ipOf(i))
    const { counts, local, memoryBlocks } = internals(blocker)
    expect(local.size).toBeLessThanOrEqual(MAX_TRACKED_GROUPS)
    expect(memoryBlocks.size).toBeLessThanOrEqual(MAX_TRACKED_GROUPS)
    expect((await blocker.list()).length).toBe(memoryBlocks.size)
    expect(counts.tracked).toBe(0)
    expect(counts.waiting).toBe(0)
    expect(blocker.blockedMs(ipOf(groups - 1))).toBeGreaterThan(0)
    await store.close()
  })

  it('drops ended windows and ended blocks at the next flush', async () => {
    const store = new MemoryStore()
    const blocker = ipBlockerFor(store, { failures: 3, window: 1, block: 1 })
    for (let i = 0; i < 100; i++) blocker.fail(ipOf(i))
    for (let i = 0; i < 3; i++) blocker.fail('203.0.113.99')
    const { counts, local } = internals(blocker)
    expect(counts.tracked).toBe(100)
    expect(local.size).toBe(1)
    await sleep(1100)
    await blocker.flush()
    expect(counts.tracked).toBe(0)
    expect(local.size).toBe(0)
    await store.close()
  })

  it('a flush writes the groups with the most failures first, FLUSH_BATCH at a time', () => {
    const counts = new FailureCounts()
    const now = Date.now()
    for (let i = 0; i < FLUSH_BATCH + 500; i++) counts.add(ipOf(i), now, 600_000)
    for (let i = 0; i < 7; i++) counts.add('203.0.113.77', now, 600_000)
    const batch = counts.take()
    expect(batch).toHaveLength(FLUSH_BATCH)
    expect(batch[0]).toEqual(['203.0.113.77', 7])
    expect(counts.waiting).toBe(501)
    expect(counts.take()).toHaveLength(501)
    expect(counts.waiting).toBe(0)
    // A failure not to be shared (no store to share with, or a malformed token) never waits.
    const local = new FailureCounts()
    local.add('203.0.113.77', now, 600_000, false)
    expect(local.waiting).toBe(0)
  })
})
