// What a log entry holds: method, path, verdict, reason, status code, credits, client IP; never a secret.

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express } from 'express'
import request from 'supertest'
import { type ApiKeyGuardOptions, adminRouter, apiKeyGuard, flushRequestLogs } from '../../src'
import { mintToken, newKeyId } from '../../src/token'
import { newClient } from '../harness/redis'
import { secretOf } from '../harness/secrets'
import { STORE_KINDS, useStoreOf } from '../harness/stores'

describe.each(STORE_KINDS)('request log entries (%s store)', (kind) => {
  const s = useStoreOf(kind)
  const client = newClient()
  afterAll(() => {
    client.disconnect()
  })

  const app = (options: Omit<ApiKeyGuardOptions, 'store'> = {}, trustProxy = false): Express => {
    const a = express()
    if (trustProxy) a.set('trust proxy', true)
    a.all('/{*path}', apiKeyGuard({ store: s.store, ...options }), (_req, res) => {
      res.status(201).json({ ok: true })
    })
    return a
  }
  const logOf = async (id: string) => {
    await flushRequestLogs(s.store)
    return (await s.keys.requests(id, { limit: 100 })).data
  }

  it('records method, path without query, status code, duration, credits and the verdict', async () => {
    const { data } = await s.keys.create({ name: 'Fields', quotas: { daily: 2 } })
    const a = app({ cost: 2 })
    await request(a).post('/v1/things?page=2&secret=x').set('X-API-Key', data.api_key)
    await request(a).get('/v1/things').set('X-API-Key', data.api_key)
    const log = await logOf(data.id)
    expect(log.count).toBe(2)
    const [rejected, allowed] = log.requests
    expect(allowed).toMatchObject({
      method: 'POST',
      endpoint: '/v1/things',
      status: 'allowed',
      status_code: 201,
      credits: 2,
    })
    expect(allowed?.reason).toBeUndefined()
    expect(rejected).toMatchObject({
      method: 'GET',
      endpoint: '/v1/things',
      status: 'rejected',
      status_code: 401,
      reason: 'QUOTA_EXCEEDED',
      credits: 0,
    })
    for (const r of log.requests) {
      expect(r.duration_ms).toBeGreaterThanOrEqual(0)
      expect(Number.isNaN(Date.parse(r.timestamp))).toBe(false)
    }
    expect(Date.parse(rejected?.timestamp ?? '')).toBeGreaterThanOrEqual(
      Date.parse(allowed?.timestamp ?? ''),
    )
  })

  it('records each rejection reason under the key', async () => {
    const { data } = await s.keys.create({ name: 'Reasons', rate: { per_second: 1, burst: 1 } })
    const a = app()
    await request(a).get('/ok').set('X-API-Key', data.api_key)
    await request(a).get('/rate').set('X-API-Key', data.api_key)
    await flushRequestLogs(s.store)
    // Another guard, another batch: entries reach the store in flush order.
    await request(app({ scopes: ['write'] }))
      .get('/scope')
      .set('X-API-Key', data.api_key)
    await flushRequestLogs(s.store)
    await request(a)
      .get('/wrong')
      .set('X-API-Key', mintToken('kg', 'sk', data.id))
    await s.keys.update(data.id, { status: 'inactive' })
    await request(a).get('/off').set('X-API-Key', data.api_key)
    const log = await logOf(data.id)
    expect(log.requests.map((r) => [r.endpoint, r.reason ?? null, r.status_code])).toEqual([
      ['/off', 'INACTIVE_API_KEY', 401],
      ['/wrong', 'INVALID_API_KEY', 401],
      ['/scope', 'INSUFFICIENT_SCOPE', 403],
      ['/rate', 'RATE_LIMITED', 429],
      ['/ok', null, 201],
    ])
  })

  it('a request behind two guards (app-wide, then per route) is one entry', async () => {
    const { data } = await s.keys.create({ name: 'Nested', scopes: ['reports:write'] })
    const a = express()
      .use('/v1', apiKeyGuard({ store: s.store }))
      .post(
        '/v1/reports',
        apiKeyGuard({ store: s.store, scopes: ['reports:write'], cost: 3 }),
        (_q, r) => {
          r.json({})
        },
      )
    await request(a).post('/v1/reports').set('X-API-Key', data.api_key)
    const log = await logOf(data.id)
    expect(log.count).toBe(1)
    expect(log.requests[0]).toMatchObject({
      endpoint: '/v1/reports',
      status: 'allowed',
      credits: 4,
    })
  })

  it("honours Express 'trust proxy' for the client IP", async () => {
    const { data } = await s.keys.create({ name: 'IPs' })
    await request(app({}, true))
      .get('/behind-proxy')
      .set('X-API-Key', data.api_key)
      .set('X-Forwarded-For', '203.0.113.7, 10.0.0.1')
    await request(app({}, false))
      .get('/direct')
      .set('X-API-Key', data.api_key)
      .set('X-Forwarded-For', '203.0.113.7')
    const log = await logOf(data.id)
    const ip = Object.fromEntries(log.requests.map((r) => [r.endpoint, r.ip_address]))
    expect(ip['/behind-proxy']).toBe('203.0.113.7')
    expect(ip['/direct']).not.toBe('203.0.113.7')
    expect(ip['/direct']).toMatch(/127\.0\.0\.1|::1/)
  })

  it('never stores the token or its secret, even when it appears in the URL', async () => {
    const { data } = await s.keys.create({ name: 'Secret' })
    const secret = secretOf(data.api_key)
    const a = app()
    await request(a)
      .get(`/tokens/${data.api_key}/x?key=${data.api_key}`)
      .set('X-API-Key', data.api_key)
    await request(a).get('/plain').set('Authorization', `Bearer ${data.api_key}`)
    const log = await logOf(data.id)
    expect(log.requests.map((r) => r.endpoint)).toEqual(['/plain', '/tokens/[redacted]/x'])
    const everything =
      kind === 'redis'
        ? JSON.stringify(
            await client.xrange(`${s.prefix}{${data.id.slice(0, 12)}}:l:${data.id}`, '-', '+'),
          )
        : JSON.stringify(log)
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain(data.api_key)
  })

  it('logs nothing without a parsable token, and nothing for an unknown key id', async () => {
    const a = app()
    await request(a).get('/none')
    await request(a).get('/garbage').set('X-API-Key', 'kg_sk_garbage')
    const ghostId = newKeyId('ghost-user')
    await request(a)
      .get('/ghost')
      .set('X-API-Key', mintToken('kg', 'sk', ghostId))
    await flushRequestLogs(s.store)
    expect((await s.store.requests(ghostId, { page: 1, limit: 10 })).count).toBe(0)
    if (kind === 'redis') expect(await client.keys(`${s.prefix}*:l:${ghostId}`)).toEqual([])
  })

  it('a client that hangs up before the answer is logged once, as the response stood', async () => {
    const { data } = await s.keys.create({ name: 'Impatient' })
    let reached: () => void = () => {}
    const inRoute = new Promise<void>((resolve) => {
      reached = resolve
    })
    let answered: () => void = () => {}
    const late = new Promise<void>((resolve) => {
      answered = resolve
    })
    const a = express().get('/slow', apiKeyGuard({ store: s.store }), (_req, res) => {
      reached()
      res.on('close', () => {
        // The route answers after the client left: no second entry.
        setTimeout(() => {
          res.status(202).json({ late: true })
          answered()
        }, 20)
      })
    })
    const server = a.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { port } = server.address() as AddressInfo
      const req = http.get({
        host: '127.0.0.1',
        port,
        path: '/slow?x=1',
        headers: { 'X-API-Key': data.api_key },
      })
      req.on('error', () => {})
      await inRoute
      req.destroy()
      await late
    } finally {
      server.close()
    }
    const log = await logOf(data.id)
    expect(log.count).toBe(1)
    expect(log.requests[0]).toMatchObject({
      method: 'GET',
      endpoint: '/slow',
      status: 'allowed',
      status_code: 200,
      credits: 1,
    })
  })

  it('the admin API logs its own requests under the admin key', async () => {
    const admin = await s.keys.create({ name: 'Admin', scopes: ['admin'] })
    const api = express().use('/admin', adminRouter({ store: s.store }))
    await request(api)
      .get('/admin/keys?limit=1')
      .set('Authorization', `Bearer ${admin.data.api_key}`)
    const log = await logOf(admin.data.id)
    expect(log.requests[0]).toMatchObject({
      method: 'GET',
      endpoint: '/admin/keys',
      status_code: 200,
    })
  })
})
