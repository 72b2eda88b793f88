// createVerifier().verifyRequest: the guard as a function, for servers that are not Express.

import { createVerifier, flushRequestLogs } from '../../src'
import { STORE_KINDS, useStoreOf } from '../harness/stores'

describe.each(STORE_KINDS)('verifyRequest (%s store)', (kind) => {
  const opened = useStoreOf(kind)

  it('allows a valid key: status 200, the key, and the headers to send', async () => {
    const { verifyRequest } = createVerifier({ store: opened.store })
    const { data } = await opened.keys.create({ name: 'Plain', quotas: { total: 5 } })
    const result = await verifyRequest({ headers: { authorization: `Bearer ${data.api_key}` } })
    expect(result).toMatchObject({
      allowed: true,
      status: 200,
      code: null,
      body: null,
      keyId: data.id,
      headers: { 'RateLimit-Policy': '"total";q=5', RateLimit: '"total";r=4' },
    })
    expect(result.apiKey).toMatchObject({ id: data.id, name: 'Plain', token_type: 'sk' })
  })

  it('refuses with the error table: status, code, body and headers', async () => {
    const { verifyRequest } = createVerifier({ store: opened.store, ipBlock: false })
    const missing = await verifyRequest({ headers: {} })
    expect(missing).toMatchObject({
      allowed: false,
      status: 401,
      code: 'MISSING_API_KEY',
      body: { error: 'Missing API Key', code: 'MISSING_API_KEY' },
      headers: { 'WWW-Authenticate': 'Bearer' },
    })
    expect(missing.apiKey).toBeUndefined()
    const { data } = await opened.keys.create({
      name: 'Limited',
      rate: { per_second: 1, burst: 1 },
    })
    expect((await verifyRequest({ token: data.api_key })).allowed).toBe(true)
    const limited = await verifyRequest({ token: data.api_key })
    expect(limited).toMatchObject({ allowed: false, status: 429, code: 'RATE_LIMITED' })
    expect(limited.headers['Retry-After']).toBe('1')
  })

  it('takes the token, cost and scopes per call', async () => {
    const { verifyRequest } = createVerifier({ store: opened.store, scopes: ['read'] })
    const { data } = await opened.keys.create({
      name: 'Scoped',
      scopes: ['read'],
      quotas: { total: 10 },
    })
    const charged = await verifyRequest({ token: data.api_key, cost: 4 })
    expect(charged.headers.RateLimit).toBe('"total";r=6')
    const admin = await verifyRequest({ token: data.api_key, scopes: ['admin'] })
    expect(admin).toMatchObject({ allowed: false, status: 403, code: 'INSUFFICIENT_SCOPE' })
    await expect(verifyRequest({ token: data.api_key, cost: -1 })).rejects.toThrow(
      'verifyRequest: the cost function returned -1; it must return a whole number >= 0',
    )
  })

  it('done(status) logs the request under its key, once', async () => {
    const { verifyRequest } = createVerifier({ store: opened.store })
    const { data } = await opened.keys.create({ name: 'Logged' })
    const result = await verifyRequest({
      token: data.api_key,
      method: 'POST',
      path: '/v1/things?secret=1',
      ip: '203.0.113.9',
    })
    result.done(201)
    result.done(500)
    await flushRequestLogs(opened.store)
    const page = await opened.store.requests(data.id, { page: 1, limit: 10 })
    expect(page.count).toBe(1)
    expect(page.requests[0]).toMatchObject({
      method: 'POST',
      endpoint: '/v1/things',
      status: 'allowed',
      status_code: 201,
      ip_address: '203.0.113.9',
    })
  })
})
