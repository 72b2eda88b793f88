// Every framework's guard answers the same error table, from real servers: Express, node:http, Fastify, Hono.

import { ipBlockerFor, mintToken, type Store } from '../../src'
import { faulty } from '../harness/faulty-store'
import {
  FRAMEWORKS,
  type Framework,
  type RunningServer,
  startServer,
} from '../harness/framework-servers'
import { MINUTE, STORE_KINDS, TestClock, useStoreOf } from '../harness/stores'

const get = (server: RunningServer, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/r`, { headers })

const bodyOf = async (res: Response) => (await res.json()) as Record<string, unknown>

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe.each(STORE_KINDS)('the error table on every framework (%s store)', (kind) => {
  const clock = new TestClock()
  const opened = useStoreOf(kind, { clock: clock.now })

  describe.each(FRAMEWORKS)('%s', (framework: Framework) => {
    let server: RunningServer
    let broken: RunningServer
    let blocking: RunningServer
    let store: ReturnType<typeof faulty>
    // Its own store object, so its own IP blocker: the blocks of one framework's test stay there.
    let blockingStore: Store
    beforeAll(async () => {
      blockingStore = faulty(opened.store).store
      server = await startServer(framework, {
        store: opened.store,
        scopes: ['read'],
        ipBlock: false,
      })
      store = faulty(opened.store)
      broken = await startServer(framework, { store: store.store, ipBlock: false })
      blocking = await startServer(framework, { store: blockingStore, ipBlock: { failures: 3 } })
    })
    afterAll(async () => {
      await server.close()
      await broken.close()
      await blocking.close()
      const blocker = ipBlockerFor(blockingStore)
      for (const block of await blocker.list()) await blocker.unblock(block.ip)
    })

    it('200 for a valid key, with RateLimit headers and the key on the request', async () => {
      const { data } = await opened.keys.create({
        name: `ok-${framework}`,
        scopes: ['read'],
        quotas: { total: 10 },
      })
      const res = await get(server, bearer(data.api_key))
      expect(res.status).toBe(200)
      const body = await bodyOf(res)
      expect(body.apiKey).toMatchObject({ id: data.id, name: `ok-${framework}`, token_type: 'sk' })
      expect(res.headers.get('ratelimit')).toBe('"total";r=9')
      expect(res.headers.get('ratelimit-policy')).toBe('"total";q=10')
    })

    it('401 MISSING_API_KEY with WWW-Authenticate when there is no token', async () => {
      const res = await get(server)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
      expect(await bodyOf(res)).toEqual({ error: 'Missing API Key', code: 'MISSING_API_KEY' })
    })

    it('401 INVALID_API_KEY for a malformed token and for an unknown one', async () => {
      const malformed = await get(server, { 'X-API-Key': 'kg_sk_nope' })
      expect(malformed.status).toBe(401)
      expect(await bodyOf(malformed)).toEqual({ error: 'Invalid API Key', code: 'INVALID_API_KEY' })
      const unknown = await get(server, bearer(mintToken('kg', 'sk', 'kXXXXXXXXXXXXXXX')))
      expect(unknown.status).toBe(401)
      expect((await bodyOf(unknown)).code).toBe('INVALID_API_KEY')
    })

    it('401 INACTIVE_API_KEY and EXPIRED_API_KEY', async () => {
      const off = await opened.keys.create({ name: 'off', scopes: ['read'], status: 'inactive' })
      const res = await get(server, bearer(off.data.api_key))
      expect(res.status).toBe(401)
      expect((await bodyOf(res)).code).toBe('INACTIVE_API_KEY')
      const short = await opened.keys.create({
        name: 'short',
        scopes: ['read'],
        expires_at: new Date(clock.ms + MINUTE).toISOString(),
      })
      clock.advance(2 * MINUTE)
      const expired = await get(server, bearer(short.data.api_key))
      expect(expired.status).toBe(401)
      expect((await bodyOf(expired)).code).toBe('EXPIRED_API_KEY')
    })

    it('403 INSUFFICIENT_SCOPE without the route scope', async () => {
      const { data } = await opened.keys.create({ name: 'no-scope', scopes: ['write'] })
      const res = await get(server, bearer(data.api_key))
      expect(res.status).toBe(403)
      expect(await bodyOf(res)).toEqual({
        error: 'Insufficient permissions',
        code: 'INSUFFICIENT_SCOPE',
      })
    })

    it('401 QUOTA_EXCEEDED and 429 RATE_LIMITED with Retry-After', async () => {
      const quota = await opened.keys.create({ name: 'q', scopes: ['read'], quotas: { total: 1 } })
      expect((await get(server, bearer(quota.data.api_key))).status).toBe(200)
      const over = await get(server, bearer(quota.data.api_key))
      expect(over.status).toBe(401)
      expect((await bodyOf(over)).code).toBe('QUOTA_EXCEEDED')

      const rate = await opened.keys.create({
        name: 'r',
        scopes: ['read'],
        rate: { per_second: 1, burst: 1 },
      })
      expect((await get(server, bearer(rate.data.api_key))).status).toBe(200)
      const limited = await get(server, bearer(rate.data.api_key))
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('1')
      expect((await bodyOf(limited)).code).toBe('RATE_LIMITED')
    })

    it('503 STORE_UNAVAILABLE with Retry-After when the store fails, and no crash', async () => {
      const { data } = await opened.keys.create({ name: 'store-down' })
      store.mode = 'reject'
      const res = await get(broken, bearer(data.api_key))
      store.mode = 'ok'
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect((await bodyOf(res)).code).toBe('STORE_UNAVAILABLE')
      expect((await get(broken, bearer(data.api_key))).status).toBe(200)
    })

    it('403 IP_BLOCKED after repeated failures from one address', async () => {
      const { data } = await opened.keys.create({ name: 'blocked-ip' })
      expect((await get(blocking, bearer(data.api_key))).status).toBe(200)
      for (let i = 0; i < 3; i++) {
        expect((await get(blocking, { 'X-API-Key': `kg_sk_guess${i}` })).status).toBe(401)
      }
      const res = await get(blocking, bearer(data.api_key))
      expect(res.status).toBe(403)
      expect((await bodyOf(res)).code).toBe('IP_BLOCKED')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    })
  })
})
