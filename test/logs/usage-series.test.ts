// Per-key usage series: hourly and daily counters written with the request log, on both stores, with the test clock:
// counted by code, every bucket present, trimmed, bounded, expiring, deleted with the key.

import express from 'express'
import request from 'supertest'
import {
  apiKeyGuard,
  flushRequestLogs,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
} from '../../src'
import type { MemoryUsageSeries } from '../../src/store/memory/memory-usage-series'
import type { RequestLogEntry, SeriesGranularity } from '../../src/types'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'
import { DAY, HOUR, STORE_KINDS, TestClock } from '../harness/stores'

/** Every code the guard may log for a key, and one it never does (counted as OTHER). */
const CODES = [
  'INVALID_API_KEY',
  'INACTIVE_API_KEY',
  'EXPIRED_API_KEY',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'INSUFFICIENT_SCOPE',
  'IP_BLOCKED',
  'STORE_UNAVAILABLE',
]

const entry = (keyId: string, reason: string | null, at = 0): RequestLogEntry => ({
  key_id: keyId,
  timestamp: at,
  method: 'GET',
  endpoint: '/r',
  status: reason === null ? 'allowed' : 'rejected',
  status_code: reason === null ? 200 : 429,
  reason,
  duration_ms: 1,
  ip_address: null,
  credits: reason === null ? 1 : 0,
})

const tagOf = (id: string): string => id.slice(0, 12)

describe.each(STORE_KINDS)('usage series (%s store)', (kind) => {
  const prefix = uniquePrefix()
  const client = newClient()
  const clock = new TestClock()
  const stores: Store[] = []
  const make = (requestLog: { maxEntries?: number; maxAgeSeconds?: number } = {}): Store => {
    const store =
      kind === 'memory'
        ? new MemoryStore({ clock: clock.now, requestLog })
        : new RedisStore({ url: testRedisUrl(), prefix, clock: clock.now, requestLog })
    stores.push(store)
    return store
  }
  afterAll(async () => {
    for (const store of stores) await store.close()
    await cleanPrefix(client, prefix)
    client.disconnect()
  })
  beforeEach(() => clock.set('2026-03-04T10:30:00Z'))

  const hashKey = (id: string, granularity: SeriesGranularity): string =>
    `${prefix}{${tagOf(id)}}:${granularity === 'hour' ? 'sh' : 'sd'}:${id}`

  /** The counter fields stored for a key (the Redis hash, or MemoryStore's map), mark aside. */
  async function stored(
    store: Store,
    id: string,
    granularity: SeriesGranularity,
  ): Promise<Record<string, number>> {
    if (kind === 'redis') {
      const { b: _mark, ...fields } = await client.hgetall(hashKey(id, granularity))
      return Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, Number(v)]))
    }
    return Object.fromEntries(seriesOf(store).fieldsOf(id, granularity))
  }
  const seriesOf = (store: Store): MemoryUsageSeries =>
    (store as unknown as { requestLog: { series: MemoryUsageSeries } }).requestLog.series

  it('an unused key: 168 hourly points over 7 days and 90 daily ones, oldest first, all zero', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Quiet' })
    const hourly = (await keys.series(data.id)).data
    expect(hourly).toMatchObject({
      key_id: data.id,
      granularity: 'hour',
      from: '2026-02-25T11:00:00.000Z',
      to: '2026-03-04T11:00:00.000Z',
    })
    expect(hourly.points).toHaveLength(168)
    expect(hourly.points[0]?.t).toBe('2026-02-25T11:00:00.000Z')
    expect(hourly.points[167]?.t).toBe('2026-03-04T10:00:00.000Z')
    hourly.points.forEach((point, i) => {
      expect(Date.parse(point.t)).toBe(Date.parse(hourly.from) + i * HOUR)
      expect(point).toEqual({ t: point.t, allowed: 0, rejected: 0, rejected_by: {} })
    })
    const daily = (await keys.series(data.id, { granularity: 'day' })).data
    expect(daily).toMatchObject({
      granularity: 'day',
      from: '2025-12-05T00:00:00.000Z',
      to: '2026-03-05T00:00:00.000Z',
    })
    expect(daily.points).toHaveLength(90)
    expect(daily.points.at(-1)).toEqual({
      t: '2026-03-04T00:00:00.000Z',
      allowed: 0,
      rejected: 0,
      rejected_by: {},
    })
    expect(await stored(store, data.id, 'hour')).toEqual({})
  })

  it('counts allowed and rejected requests by code in the current hour and day; other reasons as OTHER', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Counted' })
    await store.appendRequests([
      entry(data.id, null),
      entry(data.id, 'QUOTA_EXCEEDED'),
      entry(data.id, null),
      entry(data.id, 'RATE_LIMITED'),
      entry(data.id, 'QUOTA_EXCEEDED'),
      entry(data.id, 'SOMETHING_ELSE'),
    ])
    clock.advance(20 * 60_000) // 10:50, the same hour
    await store.appendRequests([entry(data.id, null), entry(data.id, 'INACTIVE_API_KEY')])
    const now = (await keys.series(data.id)).data.points.at(-1)
    expect(now).toEqual({
      t: '2026-03-04T10:00:00.000Z',
      allowed: 3,
      rejected: 5,
      rejected_by: { QUOTA_EXCEEDED: 2, RATE_LIMITED: 1, INACTIVE_API_KEY: 1, OTHER: 1 },
    })
    clock.advance(HOUR) // 11:50: a new hour, the same day
    await store.appendRequests([entry(data.id, 'EXPIRED_API_KEY')])
    const hourly = (await keys.series(data.id)).data.points
    expect(hourly.at(-2)).toEqual({ ...now, t: '2026-03-04T10:00:00.000Z' })
    expect(hourly.at(-1)).toEqual({
      t: '2026-03-04T11:00:00.000Z',
      allowed: 0,
      rejected: 1,
      rejected_by: { EXPIRED_API_KEY: 1 },
    })
    expect(hourly.slice(0, -2).every((p) => p.allowed + p.rejected === 0)).toBe(true)
    const daily = (await keys.series(data.id, { granularity: 'day' })).data.points
    expect(daily.at(-1)).toEqual({
      t: '2026-03-04T00:00:00.000Z',
      allowed: 3,
      rejected: 6,
      rejected_by: {
        QUOTA_EXCEEDED: 2,
        RATE_LIMITED: 1,
        INACTIVE_API_KEY: 1,
        OTHER: 1,
        EXPIRED_API_KEY: 1,
      },
    })
    // As stored: `<hour since the epoch>:a` and `<hour>:r:<CODE>` (days: `<day since the epoch>:…`).
    const hour = Date.parse('2026-03-04T10:00:00Z') / HOUR
    expect(await stored(store, data.id, 'hour')).toMatchObject({
      [`${hour}:a`]: 3,
      [`${hour}:r:QUOTA_EXCEEDED`]: 2,
      [`${hour}:r:OTHER`]: 1,
      [`${hour + 1}:r:EXPIRED_API_KEY`]: 1,
    })
    const day = Date.parse('2026-03-04T00:00:00Z') / DAY
    expect(await stored(store, data.id, 'day')).toMatchObject({ [`${day}:a`]: 3 })
  })

  it('counts the requests of guarded traffic by the code the guard answered', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({
      name: 'Traffic',
      scopes: ['read'],
      quotas: { total: 3 },
      rate: { per_second: 1, burst: 2 },
    })
    const app = express()
    const options = { store, requestLog: { batchSize: 1000, flushIntervalMs: 3_600_000 } }
    app.get('/read', apiKeyGuard(options), (_req, res) => res.json({}))
    app.get('/write', apiKeyGuard({ ...options, scopes: ['write'] }), (_req, res) => res.json({}))
    const get = (path: string) => request(app).get(path).set('X-API-Key', data.api_key)
    // The burst of 2 at one instant: two in, the third RATE_LIMITED.
    const burst = await Promise.all([get('/read'), get('/read'), get('/read')])
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429])
    expect((await get('/write')).status).toBe(403)
    clock.advance(10_000)
    expect((await get('/read')).status).toBe(200)
    expect((await get('/read')).body.code).toBe('QUOTA_EXCEEDED')
    await keys.update(data.id, { status: 'inactive' })
    expect((await get('/read')).body.code).toBe('INACTIVE_API_KEY')
    await flushRequestLogs(store)
    const point = (await keys.series(data.id)).data.points.at(-1)
    expect(point).toEqual({
      t: '2026-03-04T10:00:00.000Z',
      allowed: 3,
      rejected: 4,
      rejected_by: {
        RATE_LIMITED: 1,
        INSUFFICIENT_SCOPE: 1,
        QUOTA_EXCEEDED: 1,
        INACTIVE_API_KEY: 1,
      },
    })
    // The request log holds the same requests.
    expect((await keys.requests(data.id, { limit: 100 })).data.count).toBe(7)
  })

  it('counts every request of a flush, also those the log count cap never sends', async () => {
    const store = make({ maxEntries: 5 })
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Capped log' })
    await store.appendRequests(
      Array.from({ length: 12 }, (_, n) => entry(data.id, n % 3 === 0 ? 'RATE_LIMITED' : null)),
    )
    expect((await keys.requests(data.id)).data.count).toBe(5)
    expect((await keys.series(data.id)).data.points.at(-1)).toMatchObject({
      allowed: 8,
      rejected: 4,
      rejected_by: { RATE_LIMITED: 4 },
    })
  })

  it('stores nothing for an unknown key; 404 and 400 from KeyManager.series', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const ghost = '0000000000GHOSTyyyyy'
    await store.appendRequests([entry(ghost, null), entry(ghost, 'INVALID_API_KEY')])
    if (kind === 'redis') expect(await client.keys(`${prefix}*GHOST*`)).toEqual([])
    else expect(seriesOf(store).fieldCount).toBe(0)
    await expect(keys.series(ghost)).rejects.toMatchObject({
      status: 404,
      code: 'API_KEY_NOT_FOUND',
    })
    const { data } = await keys.create({ name: 'Asked badly' })
    for (const granularity of ['week', '', 'HOUR', ['hour', 'day']]) {
      await expect(keys.series(data.id, { granularity } as never)).rejects.toMatchObject({
        status: 400,
        code: 'VALIDATION_ERROR',
        details: expect.objectContaining({ field: 'granularity' }),
      })
    }
  })

  it('drops buckets that left the period when a new one starts', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Trimmed' })
    await store.appendRequests([entry(data.id, null), entry(data.id, 'RATE_LIMITED')])
    const first = Date.parse('2026-03-04T10:00:00Z') / HOUR
    clock.advance(167 * HOUR) // the first hour is still the oldest of the 168
    await store.appendRequests([entry(data.id, null)])
    expect(Object.keys(await stored(store, data.id, 'hour'))).toEqual(
      expect.arrayContaining([`${first}:a`, `${first}:r:RATE_LIMITED`, `${first + 167}:a`]),
    )
    const kept = (await keys.series(data.id)).data.points
    expect([kept[0]?.allowed, kept[0]?.rejected, kept[167]?.allowed]).toEqual([1, 1, 1])
    clock.advance(HOUR) // now it has left: gone from the answer and from the store
    expect((await keys.series(data.id)).data.points[0]?.allowed).toBe(0)
    await store.appendRequests([entry(data.id, null)])
    expect(Object.keys(await stored(store, data.id, 'hour')).sort()).toEqual(
      [`${first + 167}:a`, `${first + 168}:a`].sort(),
    )
    // Daily buckets are kept 90 days.
    const day = Date.parse('2026-03-04T00:00:00Z') / DAY
    expect(await stored(store, data.id, 'day')).toEqual({
      [`${day}:a`]: 1,
      [`${day}:r:RATE_LIMITED`]: 1,
      [`${day + 7}:a`]: 2,
    })
    clock.advance(90 * DAY)
    await store.appendRequests([entry(data.id, null)])
    expect(await stored(store, data.id, 'day')).toEqual({ [`${day + 97}:a`]: 1 })
  })

  it('a key busy every hour with every code keeps at most 168 × 10 hourly and 90 × 10 daily counters', async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Busy' })
    const all = [null, ...CODES, 'NOT_A_GUARD_CODE'].map((reason) => entry(data.id, reason))
    // 100 days, one flush every 6 hours (every hour of the last 8 days): every code each time.
    for (let t = 0; t < 100 * 24; t += t >= 92 * 24 ? 1 : 6) {
      clock.set(Date.parse('2026-01-01T00:00:00Z') + t * HOUR)
      await store.appendRequests(all)
    }
    const hourly = await stored(store, data.id, 'hour')
    const daily = await stored(store, data.id, 'day')
    expect(Object.keys(hourly)).toHaveLength(168 * 10)
    expect(Object.keys(daily)).toHaveLength(90 * 10)
    if (kind === 'redis') {
      // The bounds docs/redis-layout.md gives, with the newest-bucket mark (`b`).
      expect(await client.hlen(hashKey(data.id, 'hour'))).toBe(168 * 10 + 1)
      expect(await client.hlen(hashKey(data.id, 'day'))).toBe(90 * 10 + 1)
      const bytes = async (g: SeriesGranularity) =>
        Number(await client.call('MEMORY', 'USAGE', hashKey(data.id, g), 'SAMPLES', '0'))
      expect(await bytes('hour')).toBeLessThanOrEqual(128 * 1024)
      expect(await bytes('day')).toBeLessThanOrEqual(72 * 1024)
    } else {
      expect(seriesOf(store).fieldCount).toBe(168 * 10 + 90 * 10)
    }
    const series = (await keys.series(data.id)).data
    expect(series.points.every((p) => p.allowed === 1 && p.rejected === 9)).toBe(true)
    expect(series.points.at(-1)?.rejected_by).toEqual({
      ...Object.fromEntries(CODES.map((code) => [code, 1])),
      OTHER: 1,
    })
  })

  it("the counters expire 8 days (hourly) and 91 days (daily) after their newest bucket's first write", async () => {
    const store = make()
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Expiring' })
    await store.appendRequests([entry(data.id, null)])
    if (kind === 'redis') {
      // Redis counts TTLs on its own clock: the TTL is set, and restarted by a write that adds a
      // counter new to its bucket (at least one a bucket), not by the others.
      const ttl = async (g: SeriesGranularity) => client.pttl(hashKey(data.id, g))
      expect(await ttl('hour')).toBeGreaterThan(8 * DAY - 60_000)
      expect(await ttl('hour')).toBeLessThanOrEqual(8 * DAY)
      expect(await ttl('day')).toBeGreaterThan(91 * DAY - 60_000)
      expect(await ttl('day')).toBeLessThanOrEqual(91 * DAY)
      await client.pexpire(hashKey(data.id, 'hour'), 5000)
      await store.appendRequests([entry(data.id, null)])
      expect(await ttl('hour')).toBeLessThanOrEqual(5000)
      await store.appendRequests([entry(data.id, 'RATE_LIMITED')])
      expect(await ttl('hour')).toBeGreaterThan(8 * DAY - 60_000)
      // An expired hash is an empty series.
      await client.del(hashKey(data.id, 'hour'))
      expect((await keys.series(data.id)).data.points.at(-1)?.allowed).toBe(0)
      expect((await keys.series(data.id, { granularity: 'day' })).data.points.at(-1)?.allowed).toBe(
        2,
      )
      return
    }
    clock.advance(3 * DAY)
    await store.appendRequests([entry(data.id, null)]) // the TTLs restart here
    clock.advance(8 * DAY - 1)
    expect(Object.keys(await stored(store, data.id, 'hour'))).toHaveLength(2)
    clock.advance(1)
    expect((await keys.series(data.id, { granularity: 'day' })).data.points.at(-1)?.allowed).toBe(
      0, // a new day: the two requests are in older daily buckets, still kept
    )
    const daily = (await keys.series(data.id, { granularity: 'day' })).data.points
    expect(daily.reduce((sum, p) => sum + p.allowed, 0)).toBe(2)
    expect((await keys.series(data.id)).data.points.every((p) => p.allowed === 0)).toBe(true)
    expect(await stored(store, data.id, 'hour')).toEqual({})
    clock.advance(83 * DAY - 1)
    ;(store as MemoryStore).sweep() // the store's timer: it drops what expired, nothing else
    expect(Object.keys(await stored(store, data.id, 'day'))).toHaveLength(2)
    clock.advance(1)
    ;(store as MemoryStore).sweep()
    expect(seriesOf(store).fieldCount).toBe(0)
    expect(
      (await keys.series(data.id, { granularity: 'day' })).data.points.every(
        (p) => p.allowed === 0,
      ),
    ).toBe(true)
  })

  it('deleting a key deletes its counters', async () => {
    const store = make({ maxAgeSeconds: 60 })
    const keys = new KeyManager(store)
    const { data } = await keys.create({ name: 'Deleted' })
    // Rejected requests only: no use on the key, and a log that ages out while the counters stay.
    await store.appendRequests([entry(data.id, 'INVALID_API_KEY')])
    expect(await keys.delete(data.id).catch((e) => e.code)).toBe('KEY_IN_USE')
    clock.advance(2 * 60_000)
    expect((await keys.requests(data.id)).data.count).toBe(0)
    expect(Object.keys(await stored(store, data.id, 'hour'))).toHaveLength(1)
    await keys.delete(data.id)
    expect(await stored(store, data.id, 'hour')).toEqual({})
    expect(await stored(store, data.id, 'day')).toEqual({})
    if (kind === 'redis') expect(await client.keys(`${prefix}*${data.id}`)).toEqual([])
    else expect(seriesOf(store).fieldCount).toBe(0)
    // A flush that lands after the delete counts nothing.
    await store.appendRequests([entry(data.id, null)])
    expect(await stored(store, data.id, 'day')).toEqual({})
  })
})
