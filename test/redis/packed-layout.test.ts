// The packed hot hash (`c` and `st`): what the script reads and writes, readable with redis-cli, and records written before it keep working.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, RedisStore } from '../../src'
import { PACKED_CONFIG, STATE_FIELDS } from '../../src/store'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'

const WINDOW_STATE = STATE_FIELDS.slice(5)

describe('the packed hot hash (private redis-server)', () => {
  const prefix = uniquePrefix()
  const client = newClient()
  let now = Date.parse('2026-04-01T10:00:00Z')
  const store = new RedisStore({ url: testRedisUrl(), prefix, clock: () => now })
  const keys = new KeyManager(store)
  const app = express().get('/r', apiKeyGuard({ store, requestLog: false }), (_q, r) => {
    r.json({})
  })
  const hotKey = (id: string) => `${prefix}{${id.slice(0, 12)}}:k:${id}`
  const send = async (token: string) =>
    (await request(app).get('/r').set('X-API-Key', token)).status

  afterAll(async () => {
    await store.close()
    await cleanPrefix(client, prefix)
    client.disconnect()
  })

  it('keeps the config in `c` and the counters in `st`, each readable with HGET', async () => {
    const { data } = await keys.create({
      name: 'Packed',
      quotas: { total: 10, daily: 5 },
      rate: { per_minute: 100 },
    })
    expect(await send(data.api_key)).toBe(200)
    expect(await send(data.api_key)).toBe(200)
    const hot = await client.hgetall(hotKey(data.id))
    const config = (hot.c ?? '').split('|')
    expect(config).toHaveLength(PACKED_CONFIG.length)
    for (const [i, field] of PACKED_CONFIG.entries()) expect(config[i]).toBe(hot[field] ?? '')
    const state = Object.fromEntries(
      (hot.st ?? '').split(',').map((value, i) => [STATE_FIELDS[i], Number(value)]),
    )
    expect(state).toMatchObject({ lu: now, tt: 2, tn: 2, ds: 2, dc: 2 })
    expect(state.tm).toBeGreaterThan(now * 1000)
    // No counter has a field of its own any more.
    for (const field of STATE_FIELDS) expect(hot[field]).toBeUndefined()
    // What the admin API reads is decoded from `st`.
    expect((await keys.usage(data.id)).data).toMatchObject({ total_requests: 2 })
    expect((await keys.get(data.id)).data.last_used_at).toBe(new Date(now).toISOString())
  })

  it('an admin write rebuilds `c` at once: the next request sees the change', async () => {
    const { data } = await keys.create({ name: 'Edited', quotas: { total: 3 } })
    expect(await send(data.api_key)).toBe(200)
    await keys.update(data.id, { quotas: { total: 1 } })
    expect((await client.hget(hotKey(data.id), 'c'))?.split('|')[6]).toBe('1')
    expect(await send(data.api_key)).toBe(401)
    await keys.update(data.id, { status: 'inactive', quotas: { total: 5 } })
    expect(await send(data.api_key)).toBe(401)
    await keys.update(data.id, { status: 'active' })
    expect(await send(data.api_key)).toBe(200)
  })

  it('a record written before the packed layout verifies with its counters, and moves them into `st` on its next charge', async () => {
    const { data } = await keys.create({
      name: 'Old',
      user_id: 'old-user',
      quotas: { total: 5, daily: 4 },
      rate: { per_second: 10, burst: 10 },
    })
    expect(await send(data.api_key)).toBe(200)
    // Rewrite the hash as an earlier version left it: counters as fields, no `c`, `st` or `ui`.
    const key = hotKey(data.id)
    const st = ((await client.hget(key, 'st')) ?? '').split(',')
    const fields: string[] = []
    STATE_FIELDS.forEach((field, i) => {
      if (st[i] !== '0') fields.push(field, st[i] as string)
    })
    await client.hdel(key, 'c', 'st', 'ui')
    await client.hset(key, ...fields)
    expect(await client.hget(key, 'tt')).toBe('1')

    // Read as it is by the admin API.
    expect((await keys.usage(data.id)).data).toMatchObject({ total_requests: 1 })
    now += 1000
    // The old counters count: 3 more fit the daily quota of 4, not 4.
    expect([await send(data.api_key), await send(data.api_key), await send(data.api_key)]).toEqual([
      200, 200, 200,
    ])
    expect(await send(data.api_key)).toBe(401)
    const hot = await client.hgetall(key)
    expect(hot.c).toBeDefined()
    expect(hot.st?.split(',')[1]).toBe('4')
    for (const field of STATE_FIELDS) expect(hot[field]).toBeUndefined()
    expect((await keys.usage(data.id)).data).toMatchObject({ total_requests: 4 })
  })

  it('an old record without `ui` still has its user flag checked', async () => {
    const { data: user } = await keys.users.create({ name: 'Flagged' })
    const { data } = await keys.users.createKey(user.user_id, { name: 'Old key of a user' })
    const key = hotKey(data.id)
    await client.hdel(key, 'c', 'ui')
    await keys.users.update(user.user_id, { is_disabled: true })
    expect(await send(data.api_key)).toBe(401)
    await keys.users.update(user.user_id, { is_disabled: false })
    expect(await send(data.api_key)).toBe(200)
  })

  it('a window reset (rolling to calendar) zeroes the window counters in `st` and keeps the totals', async () => {
    const plan = await keys.plans.create({ name: 'Switch', quotas: { daily: 2 } })
    const { data } = await keys.create({ name: 'Reset', plan_id: plan.data.id })
    expect(await send(data.api_key)).toBe(200)
    expect(await send(data.api_key)).toBe(200)
    expect(await send(data.api_key)).toBe(401)
    await keys.plans.update(plan.data.id, { quota_window: 'calendar' })
    const st = ((await client.hget(hotKey(data.id), 'st')) ?? '').split(',')
    expect(st.slice(0, 5).map(Number)).toEqual([now, 2, 2, 0, 0])
    expect(st.slice(5)).toEqual(WINDOW_STATE.map(() => '0'))
    expect(await send(data.api_key)).toBe(200)
  })

  it('an unreadable `st` fails the call (503), it never resets the counters', async () => {
    const { data } = await keys.create({ name: 'Corrupt', quotas: { total: 1 } })
    expect(await send(data.api_key)).toBe(200)
    await client.hset(hotKey(data.id), 'st', 'not,numbers')
    expect(await send(data.api_key)).toBe(503)
  })
})
