// Property tests: no body, query string, path or method given to adminRouter ever produces a 500.

import fc from 'fast-check'
import request from 'supertest'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

const RUNS = { memory: 300, redis: 80 } as const

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const

describe.each(STORE_KINDS)('adminRouter never answers 500 (%s store)', (kind) => {
  const h = useAdmin(kind)
  let keyId = ''
  beforeAll(async () => {
    keyId = (await h.keys.create({ name: 'Target', quotas: { daily: 5 } })).data.id
    await h.keys.plans.create({ id: 'target', name: 'Target' })
  })
  afterAll(() => {
    // The last-resort handler logs what would have been a bug; no input may reach it.
    expect(h.unexpected).toEqual([])
  })

  const assertNo500 = (status: number, what: unknown): void => {
    if (status >= 500) throw new Error(`status ${status} for ${JSON.stringify(what)}`)
  }

  const nearlyValidKey = fc.record(
    {
      name: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('')),
      user_id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean()),
      plan_id: fc.oneof(fc.string(), fc.constant('target'), fc.constant(null), fc.integer()),
      status: fc.oneof(fc.constantFrom('active', 'inactive', 'paused'), fc.jsonValue()),
      category: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
      scopes: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      metadata: fc.jsonValue(),
      expires_at: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.integer(),
        fc.constant(null),
      ),
      quotas: fc.oneof(
        fc.record(
          {
            total: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
            daily: fc.oneof(fc.integer(), fc.double(), fc.constant(-1), fc.constant(1e300)),
            weekly: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      rate: fc.oneof(
        fc.record(
          {
            per_second: fc.oneof(fc.integer(), fc.double(), fc.constant(0)),
            burst: fc.jsonValue(),
            per_minute: fc.integer(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      grace_seconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
      quota_window: fc.oneof(fc.constantFrom('rolling', 'calendar'), fc.string()),
      rate_scope: fc.oneof(fc.constantFrom('key', 'user'), fc.string()),
      id: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/)),
    },
    { requiredKeys: [] },
  )
  const body = fc.oneof(nearlyValidKey, fc.jsonValue())
  const target = fc.constantFrom(
    ['post', '/admin/keys'],
    ['put', '/admin/keys/:key'],
    ['post', '/admin/keys/:key/regenerate'],
    ['post', '/admin/plans'],
    ['put', '/admin/plans/target'],
  )

  it('JSON bodies of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(target, body, async ([method, path], value) => {
        const res = await call(
          h.app(),
          method as 'post' | 'put',
          path.replace(':key', keyId),
          h.token,
          value === undefined ? null : value,
        )
        assertNo500(res.status, { method, path, value })
        expect(res.type).toBe('application/json')
      }),
      { numRuns: RUNS[kind] },
    )
  })

  it('raw bodies that are not JSON, in any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        target,
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin9',
        ),
        async ([method, path], raw, type) => {
          const res = await request(h.app())
            [method as 'post' | 'put'](path.replace(':key', keyId))
            .set('Authorization', `Bearer ${h.token}`)
            .set('Content-Type', type)
            .send(raw)
          assertNo500(res.status, { method, path, raw, type })
        },
      ),
      { numRuns: RUNS[kind] },
    )
  })

  it('query strings of any shape', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        'page',
        'limit',
        'status',
        'category',
        'user_id',
        'plan_id',
        'page[]',
        'limit[x]',
        'action',
        'target_id',
        'target_type',
      ),
      fc.string(),
    )
    const value = fc.oneof(
      fc.string(),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '1e308',
        '101',
        'NaN',
        'Infinity',
        'active',
        'key.create',
        'ip',
        'key',
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/admin/keys',
          '/admin/keys/:key/requests',
          '/admin/plans',
          '/admin/keys/:key/usage',
          '/admin/audit',
          '/admin/ip-blocks',
        ),
        fc.array(fc.tuple(name, value), { maxLength: 6 }),
        async (path, pairs) => {
          const query = pairs
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join('&')
          const url = `${path.replace(':key', keyId)}?${query}`
          const res = await call(h.app(), 'get', url, h.token)
          assertNo500(res.status, url)
          expect(res.type).toBe('application/json')
        },
      ),
      { numRuns: RUNS[kind] },
    )
  })

  it('paths and methods of any shape', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'keys',
        'plans',
        'usage',
        'requests',
        'regenerate',
        'tokens',
        'audit',
        'ip-blocks',
        '203.0.113.7',
        encodeURIComponent('2001:db8:1:2::/64'),
        '64',
        '',
        '.',
        '..',
        'target',
      ),
      fc.constant('__KEY__'),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.stringMatching(/^[%0-9A-Za-z._~!$&'()*+,;=:@-]{0,16}$/),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        async (method, segments, value) => {
          const path = `/admin/${segments.join('/').replaceAll('__KEY__', keyId)}`
          const res = await call(h.app(), method, path, h.token, value)
          assertNo500(res.status, { method, path, value })
        },
      ),
      { numRuns: RUNS[kind] },
    )
  })

  it('IPs and groups of any shape to unblock: 200, 400 or 404, never a 500', async () => {
    const ip = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV6().map((a) => `${a}/64`),
      fc.ipV4().map((a) => `::ffff:${a}`),
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    )
    await fc.assert(
      fc.asyncProperty(ip, fc.boolean(), async (value, encode) => {
        const path = `/admin/ip-blocks/${encode ? encodeURIComponent(value) : value}`
        const res = await call(h.app(), 'delete', path, h.token).catch((error: unknown) => {
          // A path the HTTP client itself refuses to send is no answer of ours; any other
          // failure (a crashed or hung server) fails the case.
          if ((error as { code?: string }).code === 'ERR_UNESCAPED_CHARACTERS') return null
          throw error
        })
        if (res === null) return
        assertNo500(res.status, { path })
        expect([200, 400, 404, 405]).toContain(res.status)
        expect(res.type).toBe('application/json')
      }),
      { numRuns: RUNS[kind] },
    )
  })
})
