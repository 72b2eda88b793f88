// adminRouter's guard, transport errors and error handler: every answer is JSON {error, code, details?}.

import express from 'express'
import request from 'supertest'
import {
  adminRouter,
  KeyguardConfigError,
  KeyManager,
  MemoryStore,
  StoreUnavailableError,
} from '../../src'
import { call, useAdmin } from '../harness/admin'

describe('adminRouter auth', () => {
  const h = useAdmin('memory')

  it('needs a token: 401 MISSING_API_KEY with WWW-Authenticate, 401 INVALID_API_KEY', async () => {
    const app = h.app()
    const missing = await request(app).get('/admin/keys')
    expect(missing.status).toBe(401)
    expect(missing.headers['www-authenticate']).toBe('Bearer')
    expect(missing.body).toEqual({ error: 'Missing API Key', code: 'MISSING_API_KEY' })
    const invalid = await request(app).get('/admin/keys').set('Authorization', 'Bearer kg_sk_nope')
    expect(invalid.status).toBe(401)
    expect(invalid.body.code).toBe('INVALID_API_KEY')
    // Unknown routes do not leak before authentication either.
    expect((await request(app).get('/admin/whatever')).status).toBe(401)
  })

  it('needs the admin scope: 403 INSUFFICIENT_SCOPE; "*" grants it', async () => {
    const app = h.app()
    const plain = await h.keys.create({ name: 'Not admin', scopes: ['keys:read'] })
    const res = await call(app, 'get', '/admin/keys', plain.data.api_key)
    expect(res.status).toBe(403)
    expect(res.body).toEqual({ error: 'Insufficient permissions', code: 'INSUFFICIENT_SCOPE' })
    const star = await h.keys.create({ name: 'Star', scopes: ['*'] })
    expect((await call(app, 'get', '/admin/keys', star.data.api_key)).status).toBe(200)
  })

  it('the required scopes and token prefix are options', async () => {
    const store = new MemoryStore()
    const keys = new KeyManager(store, { prefix: 'acme' })
    const ops = await keys.create({ name: 'Ops', scopes: ['ops'] })
    const app = express().use(adminRouter({ store, scopes: ['ops'], prefix: 'acme' }))
    expect(ops.data.api_key.startsWith('acme_sk_')).toBe(true)
    expect((await call(app, 'get', '/keys', ops.data.api_key)).status).toBe(200)
    const created = await call(app, 'post', '/keys', ops.data.api_key, { name: 'Made here' })
    expect(created.body.data.api_key.startsWith('acme_sk_')).toBe(true)
    await store.close()
  })

  it('an inactive admin key is refused', async () => {
    const app = h.app()
    const admin = await h.keys.create({ name: 'Old admin', scopes: ['admin'], status: 'inactive' })
    expect((await call(app, 'get', '/admin/keys', admin.data.api_key)).body.code).toBe(
      'INACTIVE_API_KEY',
    )
  })
})

describe('adminRouter bad requests', () => {
  const h = useAdmin('memory')

  it('malformed JSON answers 400 VALIDATION_ERROR, never 500', async () => {
    const res = await request(h.app())
      .post('/admin/keys')
      .set('Authorization', `Bearer ${h.token}`)
      .set('Content-Type', 'application/json')
      .send('{"name": "x",')
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('VALIDATION_ERROR')
    expect(res.body.error).toBe('Malformed JSON body')
    expect(res.body.details.field).toBe('body')
  })

  it('a JSON body that is not an object answers 400 with field "body"', async () => {
    for (const body of ['[]', '[{"name":"x"}]']) {
      const res = await request(h.app())
        .post('/admin/keys')
        .set('Authorization', `Bearer ${h.token}`)
        .set('Content-Type', 'application/json')
        .send(body)
      expect(res.status).toBe(400)
      expect(res.body.details).toEqual({ field: 'body', message: 'must be a JSON object' })
    }
    const scalar = await request(h.app())
      .post('/admin/keys')
      .set('Authorization', `Bearer ${h.token}`)
      .set('Content-Type', 'application/json')
      .send('"just a string"')
    expect(scalar.status).toBe(400)
  })

  it('a body in another content type answers 415, not a silent "Name is required"', async () => {
    const res = await request(h.app())
      .post('/admin/keys')
      .set('Authorization', `Bearer ${h.token}`)
      .type('form')
      .send('name=x')
    expect(res.status).toBe(415)
    expect(res.body.code).toBe('VALIDATION_ERROR')
    expect(res.body.details.message).toMatch(/application\/json/)
  })

  it('a body over the limit answers 413', async () => {
    const res = await call(h.app({ bodyLimit: '1kb' }), 'post', '/admin/keys', h.token, {
      name: 'x',
      metadata: { blob: 'x'.repeat(5000) },
    })
    expect(res.status).toBe(413)
    expect(res.body.error).toBe('Request body too large')
  })

  it('an unknown route answers 404 NOT_FOUND; a wrong method 405 with Allow', async () => {
    const app = h.app()
    const unknown = await call(app, 'get', '/admin/keys/x/y/z', h.token)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ error: 'Not found', code: 'NOT_FOUND' })
    const tokens = await call(app, 'post', '/admin/tokens', h.token, { key_id: 'x' })
    expect(tokens.status).toBe(404)
    const wrong = await call(app, 'patch', '/admin/keys/abc', h.token, { name: 'x' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, PUT, DELETE')
    expect(wrong.body.code).toBe('METHOD_NOT_ALLOWED')
    const del = await call(app, 'delete', '/admin/keys', h.token)
    expect(del.status).toBe(405)
    expect(del.headers.allow).toBe('GET, POST')
  })

  it('an undecodable path answers 400', async () => {
    const res = await call(h.app(), 'get', '/admin/keys/%E0%A4%A', h.token)
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('VALIDATION_ERROR')
    expect(res.body.details.field).toBe('path')
  })

  // After every test of the file, however it is run (alone, filtered or in the full suite).
  afterAll(() => {
    expect(h.unexpected).toEqual([])
  })
})

describe('adminRouter store failures', () => {
  class FailingStore extends MemoryStore {
    failure: Error | null = null
    override async listKeyIds(): Promise<string[]> {
      if (this.failure) throw this.failure
      return super.listKeyIds()
    }
  }

  it('an unreachable store answers 503 STORE_UNAVAILABLE with Retry-After', async () => {
    const store = new FailingStore()
    const admin = await new KeyManager(store).create({ name: 'a', scopes: ['admin'] })
    const seen: unknown[] = []
    const app = express().use(adminRouter({ store, onError: (e) => seen.push(e) }))
    store.failure = new StoreUnavailableError('Redis LRANGE did not answer within 500 ms')
    const res = await call(app, 'get', '/keys', admin.data.api_key)
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.body).toEqual({
      error: 'Service temporarily unavailable',
      code: 'STORE_UNAVAILABLE',
    })
    expect(seen).toEqual([])
    await store.close()
  })

  it('an unexpected error is logged through onError and answers a JSON 500 (the last resort)', async () => {
    const store = new FailingStore()
    const admin = await new KeyManager(store).create({ name: 'a', scopes: ['admin'] })
    const seen: unknown[] = []
    const app = express().use(adminRouter({ store, onError: (e) => seen.push(e) }))
    store.failure = new Error('corrupt record')
    const res = await call(app, 'get', '/keys', admin.data.api_key)
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: 'Internal server error', code: 'INTERNAL_ERROR' })
    expect(seen).toEqual([store.failure])
    await store.close()
  })

  it('without onError, an unexpected error goes to the logger; with neither, nothing reaches the console', async () => {
    const store = new FailingStore()
    const admin = await new KeyManager(store).create({ name: 'a', scopes: ['admin'] })
    const logged: Array<[object, string | undefined]> = []
    const logger = {
      error: (fields: object, message?: string) => logged.push([fields, message]),
      warn: () => {},
    }
    const consoleSpies = (['log', 'warn', 'error', 'info'] as const).map((m) =>
      jest.spyOn(console, m),
    )
    try {
      store.failure = new Error('corrupt record')
      const withLogger = express().use(adminRouter({ store, logger }))
      expect((await call(withLogger, 'get', '/keys', admin.data.api_key)).status).toBe(500)
      const silent = express().use(adminRouter({ store }))
      expect((await call(silent, 'get', '/keys', admin.data.api_key)).status).toBe(500)
      for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of consoleSpies) spy.mockRestore()
    }
    expect(logged).toEqual([[{ err: store.failure }, 'keyguard adminRouter: unexpected error']])
    await store.close()
  })
})

describe('adminRouter options', () => {
  it('are validated once, with a message that says what to change', () => {
    expect(() => adminRouter({ scope: ['admin'] } as never)).toThrow(KeyguardConfigError)
    expect(() => adminRouter({ scope: ['admin'] } as never)).toThrow(/did you mean "scopes"/)
    expect(() => adminRouter({ bodyLimit: -1 } as never)).toThrow(/bodyLimit/)
    expect(() => adminRouter({ store: {} as never })).toThrow(/must be a Store/)
    expect(() => adminRouter({ guard: { timeot: 5 } as never, store: new MemoryStore() })).toThrow(
      /did you mean "timeout"/,
    )
  })
})
