// No token and no part of its secret in logs, error bodies, thrown errors, console output or the store;
// an unknown key id and a wrong secret answer alike; admin errors tell a non-admin nothing.

import { format, inspect } from 'node:util'
import express, { type Express } from 'express'
import request from 'supertest'
import {
  adminRouter,
  apiKeyGuard,
  flushRequestLogs,
  KeyManager,
  MemoryStore,
  RedisStore,
} from '../../src'
import { mintToken, newKeyId } from '../../src/token'
import { failingVerify } from '../harness/faulty-store'
import { useStore } from '../harness/guard'
import { newClient } from '../harness/redis'
import { freePort } from '../harness/redis-server'
import { dumpPrefix } from '../harness/scan'
import { leaks, secretOf } from '../harness/secrets'
import { STORE_KINDS } from '../harness/stores'

const errorText = (error: unknown): string =>
  error instanceof Error
    ? [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: 6 })].join('\n')
    : inspect(error, { depth: 6 })

/** The whole answer but its Date: status, every other header, the body's bytes. */
const answer = (res: request.Response) => ({
  status: res.status,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([h]) => h !== 'date')),
  body: res.text,
})

describe.each(STORE_KINDS)('secrets hygiene (%s store)', (kind) => {
  const c = useStore(kind)
  /** Every token of the run, by label: the ones issued and the ones presented. */
  const tokens = new Map<string, string>()
  const output: string[] = []
  const errorBodies: Array<{ what: string; text: string }> = []
  const thrown: Array<{ what: string; error: unknown }> = []
  const keyIds: string[] = []
  const restores: Array<() => void> = []
  let app: Express
  let ip = 0
  /** Every request from its own client IP, so that IP blocking stays out of the way. */
  const from = (test: request.Test): request.Test =>
    test.set('X-Forwarded-For', `10.${(ip >> 8) & 255}.${ip++ & 255}.1`)

  const collect = (what: string, res: request.Response): request.Response => {
    if (res.status >= 400)
      errorBodies.push({ what, text: `${JSON.stringify(res.headers)}\n${res.text}` })
    return res
  }
  const expectThrow = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    let caught: unknown
    try {
      await work()
    } catch (error) {
      caught = error
    }
    expect([what, caught instanceof Error]).toEqual([what, true])
    thrown.push({ what, error: caught })
  }

  beforeAll(async () => {
    // Everything written to the console or the process's output during the run.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method]
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        output.push(format(...args))
        original.apply(console, args)
      })
      restores.push(() => spy.mockRestore())
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream) as (...args: unknown[]) => boolean
      const write = (chunk: unknown, ...rest: unknown[]): boolean => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString())
        return original(chunk, ...rest)
      }
      const spy = jest.spyOn(stream, 'write').mockImplementation(write as typeof stream.write)
      restores.push(() => spy.mockRestore())
    }

    app = express()
    app.set('trust proxy', true)
    const guard = (extra: Parameters<typeof apiKeyGuard>[0] = {}) =>
      apiKeyGuard({ store: c.store, requestLog: { batchSize: 1 }, ...extra })
    const ok = (_req: express.Request, res: express.Response) => {
      res.json({ ok: true })
    }
    app.get('/r', guard(), ok)
    app.get('/r/{*rest}', guard(), ok)
    app.get('/scoped', guard({ scopes: ['write'] }), ok)
    app.get('/pat-only', guard({ tokenTypes: ['pat'] }), ok)
    app.get('/costly', guard({ cost: 5000 }), ok)
    app.get('/down', apiKeyGuard({ store: failingVerify(c.store, 'connection lost') }), ok)
    app.use('/admin', adminRouter({ store: c.store }))

    const create = async (label: string, input: Parameters<KeyManager['create']>[0]) => {
      const { data } = await c.keys.create(input)
      tokens.set(label, data.api_key)
      keyIds.push(data.id)
      return data
    }
    const sk = await create('sk token', {
      name: 'Hygiene sk',
      user_id: 'u-hygiene',
      scopes: ['read'],
      quotas: { daily: 1000 },
      rate: { per_second: 1000, burst: 1000 },
    })
    const pat = await create('pat token', {
      name: 'Hygiene pat',
      type: 'pat',
      scopes: ['admin'],
      quotas: { daily: 1000 },
    })
    const plainPat = await create('plain pat token', { name: 'Plain pat', type: 'pat' })
    const ct = (await c.keys.tokens.create({ key_id: sk.id, scopes: ['read'] })).data.token
    tokens.set('ct token', ct)
    const rated = await create('rated token', { name: 'Rated', rate: { per_second: 1, burst: 1 } })
    const off = await create('inactive token', { name: 'Off', status: 'inactive' })
    const old = await create('expired token', {
      name: 'Old',
      // Expired from this very millisecond of the test clock (a past expiry is refused).
      expires_at: new Date(c.clock.ms).toISOString(),
    })
    const rotated = await create('pre-rotation token', { name: 'Rotated', quotas: { daily: 1000 } })
    tokens.set(
      'rotated token',
      (await c.keys.regenerate(rotated.id, { grace_seconds: 3600 })).data.api_key,
    )
    const viaRest = await from(request(app).post('/admin/tokens'))
      .set('Authorization', `Bearer ${sk.api_key}`)
      .send({ key_id: sk.id, ttl_seconds: 600 })
    expect(viaRest.status).toBe(201)
    tokens.set('ct token minted over REST', viaRest.body.data.token)
    const expiring = (await c.keys.tokens.create({ key_id: sk.id, ttl_seconds: 1 })).data.token
    tokens.set('expired ct token', expiring)
    for (const [label, type, id] of [
      ['sk', 'sk', sk.id],
      ['pat', 'pat', pat.id],
      ['ct', 'ct', sk.id],
    ] as const) {
      tokens.set(`wrong ${label} secret`, mintToken('kg', type, id))
      tokens.set(`unknown ${label} id`, mintToken('kg', type, newKeyId('u-hygiene')))
    }

    const get = (what: string, path: string, headers: Record<string, string> = {}) => {
      let test = from(request(app).get(path))
      for (const [h, v] of Object.entries(headers)) test = test.set(h, v)
      return test.then((res) => collect(what, res))
    }
    const bearer = (t: string) => ({ Authorization: `Bearer ${t}` })

    // Guarded routes, every verdict, every place a token can be put.
    for (const label of [
      'sk token',
      'pat token',
      'ct token',
      'ct token minted over REST',
      'rotated token',
      'pre-rotation token',
    ]) {
      const t = tokens.get(label) ?? ''
      expect([label, (await get(label, '/r', bearer(t))).status]).toEqual([label, 200])
      expect((await get(label, '/r', { 'X-API-Key': t })).status).toBe(200)
      expect((await get(label, `/r/${t}?api_key=${t}&token=${t}`, bearer(t))).status).toBe(200)
      // A token in an escaped path (%5F for each _, %41 for an A) is still a token.
      const escaped = t.replace(/_/g, '%5F').replace(/A/g, '%41')
      expect((await get(label, `/r/x/${escaped}`, bearer(t))).status).toBe(200)
      // Only in the query string: not a credential.
      const queryOnly = await get(label, `/r?api_key=${t}&access_token=${t}`)
      expect(queryOnly.body.code).toBe('MISSING_API_KEY')
      expect((await get(label, `/scoped?t=${t}`, bearer(t))).body.code).toBe('INSUFFICIENT_SCOPE')
      expect((await get(label, '/costly', bearer(t))).status).toBe(401)
      expect((await get(label, `/down?t=${t}`, bearer(t))).status).toBe(503)
      // A typo in the checksum: the whole secret is in the token that gets refused.
      const typo = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A')
      expect((await get(label, `/r/${typo}`, bearer(typo))).body.code).toBe('INVALID_API_KEY')
    }
    expect((await get('sk', '/pat-only', bearer(sk.api_key))).status).toBe(403)
    expect((await get('rated', '/r', bearer(rated.api_key))).status).toBe(200)
    expect((await get('rated', '/r', bearer(rated.api_key))).status).toBe(429)
    expect((await get('off', '/r', bearer(off.api_key))).body.code).toBe('INACTIVE_API_KEY')
    expect((await get('old', '/r', bearer(old.api_key))).body.code).toBe('EXPIRED_API_KEY')
    c.clock.advance(2000)
    expect((await get('expired ct', `/r/${expiring}`, bearer(expiring))).body.code).toBe(
      'EXPIRED_API_KEY',
    )
    for (const label of [...tokens.keys()].filter((l) => /^(wrong|unknown)/.test(l))) {
      const t = tokens.get(label) ?? ''
      expect([label, (await get(label, `/r/${t}?k=${t}`, bearer(t))).status]).toEqual([label, 401])
    }
    // A blocked IP (20 failures).
    for (let i = 0; i < 21; i++) {
      await collect(
        'blocked',
        await request(app)
          .get('/r')
          .set(bearer(tokens.get('wrong sk secret') ?? ''))
          .set('X-Forwarded-For', '192.0.2.99'),
      )
    }
    expect(errorBodies.at(-1)?.text).toContain('IP_BLOCKED')

    // The admin API: a token where an id goes, in a malformed body, in a path that cannot be decoded.
    const admin = async (
      what: string,
      method: 'get' | 'put' | 'post' | 'delete',
      path: string,
      body?: string,
    ) => {
      let test = from(request(app)[method](path)).set(bearer(pat.api_key))
      if (body !== undefined) test = test.set('Content-Type', 'application/json').send(body)
      return collect(what, await test)
    }
    for (const label of ['sk token', 'ct token', 'pat token']) {
      const t = tokens.get(label) ?? ''
      expect((await admin(label, 'get', `/admin/keys/${t}`)).status).toBe(404)
      expect((await admin(label, 'put', `/admin/keys/${t}`, '{"name":"x"}')).status).toBe(404)
      expect((await admin(label, 'delete', `/admin/keys/${t}`)).status).toBe(404)
      expect((await admin(label, 'post', `/admin/keys/${t}/regenerate`, '{}')).status).toBe(404)
      expect((await admin(label, 'get', `/admin/keys/${t}/usage`)).status).toBe(404)
      expect((await admin(label, 'get', `/admin/keys/${t}/requests`)).status).toBe(404)
      expect(
        (await admin(label, 'post', '/admin/tokens', JSON.stringify({ key_id: t }))).status,
      ).toBe(404)
      expect((await admin(label, 'post', '/admin/keys', t)).status).toBe(400)
      expect(
        (await admin(label, 'post', '/admin/keys', `{"name": "x", "metadata": #${secretOf(t)}}`))
          .status,
      ).toBe(400)
      expect((await admin(label, 'post', '/admin/keys', `{"note": ${t}}`)).status).toBe(400)
      expect((await admin(label, 'get', `/admin/keys/${t}%ZZ`)).status).toBe(400)
      expect((await admin(label, 'delete', `/admin/ip-blocks/${t}`)).status).toBe(400)
      expect((await admin(label, 'get', `/admin/keys?user_id=${t}&page=${t}`)).status).toBe(400)
    }
    // The admin API with a token that is not an admin's, or no admin at all.
    for (const t of [sk.api_key, plainPat.api_key, ct, tokens.get('wrong pat secret') ?? '']) {
      const res = await from(request(app).get(`/admin/keys/${sk.id}?t=${t}`)).set(bearer(t))
      expect([401, 403]).toContain(collect('non-admin', res).status)
    }

    // KeyManager and the stores, called with a token where an id goes.
    for (const label of ['sk token', 'ct token', 'pat token']) {
      const t = tokens.get(label) ?? ''
      await expectThrow(`get ${label}`, () => c.keys.get(t))
      await expectThrow(`update ${label}`, () => c.keys.update(t, { name: 'x' }))
      await expectThrow(`delete ${label}`, () => c.keys.delete(t))
      await expectThrow(`regenerate ${label}`, () => c.keys.regenerate(t))
      await expectThrow(`usage ${label}`, () => c.keys.usage(t))
      await expectThrow(`requests ${label}`, () => c.keys.requests(t))
      await expectThrow(`mint ${label}`, () => c.keys.tokens.create({ key_id: t }))
    }
    // A store that cannot be reached.
    const dead =
      kind === 'redis'
        ? new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeout: 200 })
        : failingVerify(new MemoryStore(), 'connection lost')
    const deadKeys = new KeyManager(dead)
    await expectThrow('dead store verify', () =>
      dead.verify({
        id: sk.id,
        tag: sk.id.slice(0, 12),
        hash: 'x',
        cost: 1,
        scopes: [],
        type: 'sk',
      }),
    )
    if (kind === 'redis') {
      await expectThrow('dead store get', () => deadKeys.get(sk.id))
      await expectThrow('dead store mint', () => deadKeys.tokens.create({ key_id: sk.id }))
    }
    const deadApp = express().get('/r', apiKeyGuard({ store: dead, timeout: 300 }), (_q, r) =>
      r.json({}),
    )
    expect(
      collect('dead store', await request(deadApp).get('/r').set(bearer(sk.api_key))).status,
    ).toBe(503)
    await dead.close()

    await flushRequestLogs(c.store)
  })

  afterAll(() => {
    for (const restore of restores) restore()
  })

  it('exercised every kind of token and error', () => {
    expect(tokens.size).toBeGreaterThanOrEqual(16)
    const codes = new Set(errorBodies.map((e) => /"code":"([A-Z_]+)"/.exec(e.text)?.[1]))
    for (const code of [
      'MISSING_API_KEY',
      'INVALID_API_KEY',
      'INACTIVE_API_KEY',
      'EXPIRED_API_KEY',
      'QUOTA_EXCEEDED',
      'RATE_LIMITED',
      'IP_BLOCKED',
      'INSUFFICIENT_SCOPE',
      'STORE_UNAVAILABLE',
      'VALIDATION_ERROR',
      'API_KEY_NOT_FOUND',
    ]) {
      expect([code, codes.has(code)]).toEqual([code, true])
    }
    expect(thrown.length).toBeGreaterThanOrEqual(21)
  })

  it('keeps no token in the request logs (KeyManager.requests)', async () => {
    const logs: string[] = []
    for (const id of keyIds)
      logs.push(JSON.stringify((await c.keys.requests(id, { limit: 100 })).data))
    const text = logs.join('\n')
    // The logs were written, the token-shaped paths among them.
    expect(text).toContain('/r/[redacted]')
    expect(text).toContain('INVALID_API_KEY')
    expect(leaks('request log', text, tokens)).toEqual([])
  })

  it('puts no token in any error body or header', () => {
    expect(errorBodies.length).toBeGreaterThan(80)
    const found = errorBodies.flatMap((e) => leaks(`error answer (${e.what})`, e.text, tokens))
    expect(found).toEqual([])
  })

  it('puts no token in any thrown error (message, stack, JSON, inspect)', () => {
    const found = thrown.flatMap((t) => leaks(`thrown by ${t.what}`, errorText(t.error), tokens))
    expect(found).toEqual([])
  })

  it('writes no token to the console or the process output', () => {
    expect(leaks('console or process output', output.join('\n'), tokens)).toEqual([])
    // And nothing unexpected was reported at all (no 500 on any path).
    expect(output.join('\n')).not.toContain('unexpected error')
  })

  it('keeps no token in the store (Redis: every key under the prefix, every type)', async () => {
    if (c.store instanceof RedisStore) {
      const client = newClient()
      const dump = await dumpPrefix(client, c.store.prefix)
      client.disconnect()
      const types = new Set(dump.map((k) => k.type))
      for (const type of ['string', 'hash', 'set', 'stream', 'zset']) {
        expect([type, types.has(type)]).toEqual([type, true])
      }
      const text = dump.flatMap((k) => [k.key, ...k.values]).join('\n')
      expect(text).toContain('[redacted]')
      expect(leaks('Redis', text, tokens)).toEqual([])
    } else {
      const text = inspect(c.store, {
        depth: 12,
        maxArrayLength: null,
        maxStringLength: null,
        breakLength: Number.POSITIVE_INFINITY,
      })
      expect(text).toContain('[redacted]')
      expect(leaks('MemoryStore', text, tokens)).toEqual([])
    }
  })
})

describe.each(STORE_KINDS)('answers that tell nothing (%s store)', (kind) => {
  const c = useStore(kind)
  let app: Express
  let ip = 0
  const from = (test: request.Test): request.Test =>
    test.set('X-Forwarded-For', `10.200.${(ip >> 8) & 255}.${ip++ & 255}`)
  beforeAll(() => {
    app = express()
    app.set('trust proxy', true)
    app.get('/r', apiKeyGuard({ store: c.store, legacyHeaders: true }), (_q, r) => r.json({}))
    app.use('/admin', adminRouter({ store: c.store }))
  })

  it.each(['sk', 'pat', 'ct'] as const)(
    'an unknown key id and a wrong %s secret give byte-identical answers',
    async (type) => {
      const limits = {
        quotas: { total: 100, daily: 10, weekly: 50, monthly: 90 },
        rate: { per_second: 5, burst: 10, per_minute: 100 },
      }
      const live = (
        await c.keys.create({
          name: 'Live',
          user_id: 'u-same',
          type: type === 'pat' ? 'pat' : 'sk',
          ...limits,
        })
      ).data
      if (type === 'ct') await c.keys.tokens.create({ key_id: live.id })
      const off = (await c.keys.create({ name: 'Off', status: 'inactive', ...limits })).data
      const gone = (
        await c.keys.create({
          name: 'Gone',
          // Expired from now on the test clock (a past expiry is refused).
          expires_at: new Date(c.clock.ms).toISOString(),
          ...limits,
        })
      ).data
      const rotated = (await c.keys.create({ name: 'Rotated', ...limits })).data
      await c.keys.regenerate(rotated.id)
      const candidates = [
        mintToken('kg', type, newKeyId('u-same')),
        mintToken('kg', type, newKeyId(null)),
        mintToken('kg', type, live.id),
        mintToken('kg', type, off.id),
        mintToken('kg', type, gone.id),
        ...(type === 'sk' ? [rotated.api_key] : []),
      ]
      for (const send of [
        (t: string) => request(app).get('/r').set('Authorization', `Bearer ${t}`),
        (t: string) => request(app).get('/r').set('X-API-Key', t),
        (t: string) => request(app).get('/admin/keys').set('Authorization', `Bearer ${t}`),
      ]) {
        const answers = []
        for (const t of candidates) answers.push(answer(await from(send(t))))
        // The admin API refuses a client token by its type, before any lookup.
        const refusedByType = type === 'ct' && answers[0]?.status === 403
        expect(answers[0]?.status).toBe(refusedByType ? 403 : 401)
        expect(JSON.parse(answers[0]?.body ?? '')).toEqual(
          refusedByType
            ? { error: 'Insufficient permissions', code: 'INSUFFICIENT_SCOPE' }
            : { error: 'Invalid API Key', code: 'INVALID_API_KEY' },
        )
        for (const a of answers) expect(a).toEqual(answers[0])
      }
    },
  )

  it('a non-admin gets the same answer about an existing key and a random id', async () => {
    const { data: existing } = await c.keys.create({ name: 'Existing', user_id: 'u-x' })
    const sk = (await c.keys.create({ name: 'Non-admin', scopes: ['read', 'keys:*'] })).data
    const pat = (await c.keys.create({ name: 'Non-admin pat', type: 'pat', scopes: ['read'] })).data
    const ct = (await c.keys.tokens.create({ key_id: sk.id })).data.token
    const random = newKeyId('u-x')
    for (const token of [sk.api_key, pat.api_key, ct, null, mintToken('kg', 'sk', sk.id)]) {
      for (const [method, suffix, body] of [
        ['get', '', undefined],
        ['put', '', { name: 'x' }],
        ['delete', '', undefined],
        ['post', '/regenerate', {}],
        ['get', '/usage', undefined],
        ['get', '/requests', undefined],
      ] as const) {
        const answers = []
        for (const id of [existing.id, random, sk.id]) {
          let test = from(request(app)[method](`/admin/keys/${id}${suffix}`))
          if (token !== null) test = test.set('Authorization', `Bearer ${token}`)
          if (body !== undefined) test = test.send(body)
          answers.push(answer(await test))
        }
        expect([401, 403]).toContain(answers[0]?.status)
        for (const a of answers) expect(a).toEqual(answers[0])
      }
    }
    // Nothing was changed by all that.
    expect((await c.keys.get(existing.id)).data.name).toBe('Existing')
  })
})
