// Limitly's own curl examples (docs "Manage API keys"), replayed step by step: only host and token change.

import express, { type Express } from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard, flushRequestLogs, KeyManager, RedisStore } from '../../src'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../harness/redis'

const LIMITLY_HOST = 'https://api.limitly.dev'
const LIMITLY_TOKEN = 'lk_1234567890abcdef1234567890abcdef'

/** The examples, verbatim from Limitly's documentation. */
const DOCS = {
  list: `curl -X GET \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys`,
  create: `curl -X POST \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "New API Key",
    "user_id": 123,
    "plan_id": "plan_456",
    "status": "active"
  }' \\
  https://api.limitly.dev/functions/v1/keys`,
  get: `curl -X GET \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys/key_123`,
  update: `curl -X PUT \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "Updated API Key Name",
    "status": "inactive"
  }' \\
  https://api.limitly.dev/functions/v1/keys/key_123`,
  delete: `curl -X DELETE \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys/key_123`,
  regenerate: `curl -X POST \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys/key_123/regenerate`,
  usage: `curl -X GET \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys/key_123/usage`,
  requests: `curl -X GET \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  https://api.limitly.dev/functions/v1/keys/key_123/requests`,
  pagination: `curl -X GET \\
  -H "Authorization: Bearer lk_1234567890abcdef1234567890abcdef" \\
  "https://api.limitly.dev/functions/v1/keys?page=2&limit=20"`,
}

interface Curl {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}

/** Splits a shell command line: quotes, backslash-newline continuations. */
function words(command: string): string[] {
  const out: string[] = []
  let current: string | null = null
  let quote: '"' | "'" | null = null
  const text = command.replace(/\\\n/g, ' ')
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null
      else current = (current ?? '') + c
    } else if (c === '"' || c === "'") {
      quote = c
      current = current ?? ''
    } else if (/\s/.test(c)) {
      if (current !== null) out.push(current)
      current = null
    } else current = (current ?? '') + c
  }
  if (current !== null) out.push(current)
  return out
}

function parseCurl(command: string): Curl {
  const w = words(command)
  const curl: Curl = { method: 'GET', url: '', headers: {} }
  for (let i = 1; i < w.length; i++) {
    const word = w[i] as string
    if (word === '-X') curl.method = w[++i] as string
    else if (word === '-H') {
      const [name, ...value] = (w[++i] as string).split(':')
      curl.headers[(name as string).trim()] = value.join(':').trim()
    } else if (word === '-d') curl.body = w[++i] as string
    else curl.url = word
  }
  return curl
}

/** Replays a documented curl on our app: only the host and the token change (and key_123, to a real id). */
function replay(app: Express, command: string, token: string, keyId = 'key_123'): request.Test {
  const curl = parseCurl(command.replaceAll(LIMITLY_TOKEN, token).replaceAll('key_123', keyId))
  expect(curl.url.startsWith(LIMITLY_HOST)).toBe(true)
  const method = curl.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'
  let test = request(app)[method](curl.url.slice(LIMITLY_HOST.length))
  for (const [name, value] of Object.entries(curl.headers)) test = test.set(name, value)
  return curl.body === undefined ? test : test.send(curl.body)
}

describe("Limitly's curl examples against adminRouter", () => {
  const prefix = uniquePrefix()
  const store = new RedisStore({ url: testRedisUrl(), prefix, commandTimeout: 5000 })
  const keys = new KeyManager(store)
  let app: Express
  let api: Express
  let token = ''
  afterAll(async () => {
    await store.close()
    await deletePrefix(prefix)
  })
  beforeAll(async () => {
    token = (await keys.create({ name: 'Account token', scopes: ['admin'] })).data.api_key
    // The account's plan the examples refer to.
    await keys.plans.create({ id: 'plan_456', name: 'Plan 456', quotas: { monthly: 1000 } })
    app = express().use('/functions/v1', adminRouter({ store }))
    api = express().get('/api/users', apiKeyGuard({ store }), (_q, r) => {
      r.json({ users: [] })
    })
  })

  it('parses the documented commands as curl would', () => {
    expect(parseCurl(DOCS.create)).toEqual({
      method: 'POST',
      url: 'https://api.limitly.dev/functions/v1/keys',
      headers: { Authorization: `Bearer ${LIMITLY_TOKEN}`, 'Content-Type': 'application/json' },
      body: expect.stringContaining('"plan_id": "plan_456"'),
    })
  })

  it('follows the documentation step by step', async () => {
    // List API Keys
    const list = await replay(app, DOCS.list, token)
    expect(list.status).toBe(200)
    expect(Array.isArray(list.body.data)).toBe(true)
    expect(list.body.count).toBe(list.body.data.length)

    // Create API Key: the documented response fields, with the secret
    const created = await replay(app, DOCS.create, token)
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({
      name: 'New API Key',
      user_id: 123,
      plan_id: 'plan_456',
      status: 'active',
    })
    for (const field of ['id', 'api_key', 'created_at', 'updated_at']) {
      expect(typeof created.body.data[field]).toBe('string')
    }
    const id: string = created.body.data.id
    const secret: string = created.body.data.api_key

    // Get API Key
    const got = await replay(app, DOCS.get, token, id)
    expect(got.status).toBe(200)
    expect(got.body.data).toMatchObject({
      id,
      name: 'New API Key',
      user_id: 123,
      plan_id: 'plan_456',
    })
    expect(got.body.data.api_key).toBeUndefined()

    // The key in use: "GET /api/users" as in the requests example.
    for (let i = 0; i < 3; i++) {
      expect(
        (await request(api).get('/api/users').set('Authorization', `Bearer ${secret}`)).status,
      ).toBe(200)
    }

    // Update API Key
    const updated = await replay(app, DOCS.update, token, id)
    expect(updated.status).toBe(200)
    expect(updated.body.data).toMatchObject({
      id,
      name: 'Updated API Key Name',
      status: 'inactive',
    })
    expect(
      (await request(api).get('/api/users').set('Authorization', `Bearer ${secret}`)).body.code,
    ).toBe('INACTIVE_API_KEY')

    // Delete API Key: on a key never used (a used one answers 409 KEY_IN_USE: deactivate it)
    const refused = await replay(app, DOCS.delete, token, id)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('KEY_IN_USE')
    const unused = (await replay(app, DOCS.create, token)).body.data.id
    const deleted = await replay(app, DOCS.delete, token, unused)
    expect(deleted.status).toBe(200)
    expect(deleted.body).toEqual({ data: { message: 'API key deleted successfully' } })
    const gone = await replay(app, DOCS.get, token, unused)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ error: 'API key not found', code: 'API_KEY_NOT_FOUND' })

    // Regenerate API Key
    const regenerated = await replay(app, DOCS.regenerate, token, id)
    expect(regenerated.status).toBe(200)
    expect(regenerated.body.data).toMatchObject({
      id,
      name: 'Updated API Key Name',
      plan_id: 'plan_456',
    })
    expect(regenerated.body.data.api_key).not.toBe(secret)

    // Get API Key Usage: the plan's monthly quota, 3 used
    const usage = await replay(app, DOCS.usage, token, id)
    expect(usage.status).toBe(200)
    expect(usage.body.data).toMatchObject({
      current_usage: 3,
      limit: 1000,
      remaining: 997,
      period: 'month',
    })
    expect(typeof usage.body.data.reset_time).toBe('string')

    // Get API Key Requests: newest first, with the documented fields
    await flushRequestLogs(store)
    const requests = await replay(app, DOCS.requests, token, id)
    expect(requests.status).toBe(200)
    expect(requests.body.data.count).toBe(4)
    expect(requests.body.data.requests.map((r: { status: string }) => r.status)).toEqual([
      'rejected',
      'allowed',
      'allowed',
      'allowed',
    ])
    expect(requests.body.data.requests[1]).toMatchObject({
      endpoint: '/api/users',
      method: 'GET',
      status: 'allowed',
    })
    expect(typeof requests.body.data.requests[1].timestamp).toBe('string')
    expect(typeof requests.body.data.requests[1].ip_address).toBe('string')
  })

  it('paginates as documented: ?page=2&limit=20', async () => {
    for (let i = 0; i < 25; i++) await keys.create({ name: `Bulk ${i}` })
    const all = (await keys.list({ limit: 100 })).data.map((k) => k.id)
    const page = await replay(app, DOCS.pagination, token)
    expect(page.status).toBe(200)
    expect(page.body.page).toBe(2)
    expect(page.body.limit).toBe(20)
    expect(page.body.count).toBe(all.length)
    expect(page.body.data.map((k: { id: string }) => k.id)).toEqual(all.slice(20, 40))
  })

  it('answers the documented errors', async () => {
    const invalid = await replay(app, DOCS.list, 'lk_not_ours')
    expect(invalid.status).toBe(401)
    expect(invalid.body.code).toBe('INVALID_API_KEY')
    const noName = await request(app)
      .post('/functions/v1/keys')
      .set('Authorization', `Bearer ${token}`)
      .send({ user_id: 123 })
    expect(noName.body).toMatchObject({
      error: 'Validation failed',
      code: 'VALIDATION_ERROR',
      details: { field: 'name', message: 'Name is required' },
    })
  })
})
