// Request logs are capped per key by count and by age, read newest first, on both stores.

import { KeyguardConfigError, KeyManager, MemoryStore, RedisStore, type Store } from '../../src'
import type { RequestLogEntry } from '../../src/types'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'

const entry = (keyId: string, n: number, at: number): RequestLogEntry => ({
  key_id: keyId,
  timestamp: at,
  method: 'GET',
  endpoint: `/r/${n}`,
  status: 'allowed',
  status_code: 200,
  reason: null,
  duration_ms: 1.25,
  ip_address: '192.0.2.1',
  credits: 1,
})

const endpoints = (page: { requests: Array<{ endpoint: string }> }): string[] =>
  page.requests.map((r) => r.endpoint)

describe.each(['memory', 'redis'] as const)('request log caps (%s store)', (kind) => {
  const prefix = uniquePrefix()
  const client = newClient()
  let now = Date.parse('2026-06-01T12:00:00Z')
  const clock = () => now
  const stores: Store[] = []
  const make = (requestLog: { maxEntries?: number; maxAgeSeconds?: number }): Store => {
    const store =
      kind === 'memory'
        ? new MemoryStore({ clock, requestLog })
        : new RedisStore({ url: testRedisUrl(), prefix, clock, requestLog })
    stores.push(store)
    return store
  }
  afterAll(async () => {
    for (const store of stores) await store.close()
    await cleanPrefix(client, prefix)
    client.disconnect()
  })

  it('keeps the newest maxEntries per key, newest first', async () => {
    const store = make({ maxEntries: 5 })
    const { data } = await new KeyManager(store).create({ name: 'Capped' })
    for (let n = 0; n < 12; n++) {
      now += 1000
      await store.appendRequests([entry(data.id, n, now)])
    }
    const page = await store.requests(data.id, { page: 1, limit: 100 })
    expect(page.count).toBe(5)
    expect(endpoints(page)).toEqual(['/r/11', '/r/10', '/r/9', '/r/8', '/r/7'])
    expect(page.requests[0]?.timestamp).toBe(new Date(now).toISOString())
    if (kind === 'redis') {
      const stream = `${prefix}{${data.id.slice(0, 12)}}:l:${data.id}`
      expect(await client.xlen(stream)).toBe(5)
    }
  })

  it('a large batch is capped too', async () => {
    const store = make({ maxEntries: 50 })
    const { data } = await new KeyManager(store).create({ name: 'Batch' })
    await store.appendRequests(Array.from({ length: 400 }, (_, n) => entry(data.id, n, now)))
    const stream = `${prefix}{${data.id.slice(0, 12)}}:l:${data.id}`
    if (kind === 'redis') {
      // Writes trim approximately (MAXLEN ~ drops whole stream nodes of up to 100 entries).
      expect(await client.xlen(stream)).toBeLessThanOrEqual(50 + 100)
    }
    const page = await store.requests(data.id, { page: 1, limit: 3 })
    expect(page.count).toBe(50)
    expect(endpoints(page)).toEqual(['/r/399', '/r/398', '/r/397'])
    if (kind === 'redis') expect(await client.xlen(stream)).toBe(50)
  })

  it('drops entries older than maxAgeSeconds', async () => {
    const store = make({ maxAgeSeconds: 60 })
    const { data } = await new KeyManager(store).create({ name: 'Aged' })
    await store.appendRequests([0, 1, 2].map((n) => entry(data.id, n, now)))
    now += 30_000
    await store.appendRequests([3, 4].map((n) => entry(data.id, n, now)))
    expect((await store.requests(data.id, { page: 1, limit: 10 })).count).toBe(5)
    now += 45_000 // the first three are 75 s old, the last two 45 s
    const page = await store.requests(data.id, { page: 1, limit: 10 })
    expect(page.count).toBe(2)
    expect(endpoints(page)).toEqual(['/r/4', '/r/3'])
    now += 60_000
    expect(await store.requests(data.id, { page: 1, limit: 10 })).toEqual({
      requests: [],
      count: 0,
    })
  })

  it('paginates newest first with the total count', async () => {
    const store = make({})
    const { data } = await new KeyManager(store).create({ name: 'Pages' })
    await store.appendRequests(Array.from({ length: 25 }, (_, n) => entry(data.id, n, now)))
    const third = await store.requests(data.id, { page: 3, limit: 10 })
    expect(third.count).toBe(25)
    expect(endpoints(third)).toEqual(['/r/4', '/r/3', '/r/2', '/r/1', '/r/0'])
    expect(await store.requests(data.id, { page: 4, limit: 10 })).toEqual({
      requests: [],
      count: 25,
    })
    expect(
      (await store.requests(data.id, { page: Number.MAX_SAFE_INTEGER, limit: 100 })).requests,
    ).toEqual([])
  })

  it('stores nothing for an unknown or deleted key id; a key with a log is not deleted', async () => {
    const store = make({})
    const keys = new KeyManager(store)
    const ghost = '0000000000GHOSTxxxxx'
    await store.appendRequests([entry(ghost, 0, now)])
    expect(await store.requests(ghost, { page: 1, limit: 10 })).toEqual({ requests: [], count: 0 })
    const { data: logged } = await keys.create({ name: 'Has history' })
    await store.appendRequests([entry(logged.id, 0, now)])
    expect(await store.deleteKey(logged.id)).toEqual({ ok: false, reason: 'in_use' })
    expect((await store.requests(logged.id, { page: 1, limit: 10 })).count).toBe(1)
    const { data } = await keys.create({ name: 'Short-lived' })
    expect((await store.deleteKey(data.id)).ok).toBe(true)
    // A flush that lands after the delete writes nothing under the gone key.
    await store.appendRequests([entry(data.id, 0, now)])
    expect((await store.requests(data.id, { page: 1, limit: 10 })).count).toBe(0)
    if (kind === 'redis') {
      expect(await client.keys(`${prefix}*GHOST*`)).toEqual([])
      expect(await client.exists(`${prefix}{${data.id.slice(0, 12)}}:l:${data.id}`)).toBe(0)
    }
  })

  it('the caps are validated when the store is created', () => {
    expect(() => make({ maxEntries: 0 })).toThrow(KeyguardConfigError)
    expect(() => make({ maxAgeSeconds: 1.5 })).toThrow(/maxAgeSeconds/)
    expect(() => make({ maxEntrys: 5 } as never)).toThrow(/did you mean "maxEntries"/)
  })
})

describe('request log stream TTL (Redis)', () => {
  it('every write sets the stream TTL to maxAgeSeconds', async () => {
    const prefix = uniquePrefix()
    const client = newClient()
    const store = new RedisStore({
      url: testRedisUrl(),
      prefix,
      requestLog: { maxAgeSeconds: 3600 },
    })
    const { data } = await new KeyManager(store).create({ name: 'TTL' })
    await store.appendRequests([entry(data.id, 0, Date.now())])
    const ttl = await client.pttl(`${prefix}{${data.id.slice(0, 12)}}:l:${data.id}`)
    expect(ttl).toBeGreaterThan(3_590_000)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
    await store.close()
    await cleanPrefix(client, prefix)
    client.disconnect()
  })
})
