// A failing or hanging store: 503 STORE_UNAVAILABLE with Retry-After (fail-closed), or fail-open.

import request from 'supertest'
import { faulty } from '../harness/faulty-store'
import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

const UNAVAILABLE = { error: 'Service temporarily unavailable', code: 'STORE_UNAVAILABLE' }

describe.each(STORE_KINDS)('store errors (%s store)', (kind) => {
  const c = useStore(kind)

  it.each(['reject', 'throw'] as const)(
    'answers 503 STORE_UNAVAILABLE with Retry-After when verify fails (%s)',
    async (mode) => {
      const f = faulty(c.store)
      const app = c.app({}, f.store)
      const { data } = await c.keys.create({ name: 'Unlucky' })
      f.mode = mode
      const res = await call(app, data.api_key)
      expect(res.status).toBe(503)
      expect(res.body).toEqual(UNAVAILABLE)
      expect(res.headers['retry-after']).toBe('1')
      f.mode = 'ok'
      expect((await call(app, data.api_key)).status).toBe(200)
    },
  )

  it('bounds a hanging store by the timeout, then answers 503', async () => {
    const f = faulty(c.store)
    const app = c.app({ timeout: 100, storeRetryAfter: 7 }, f.store)
    const { data } = await c.keys.create({ name: 'Hung' })
    f.mode = 'hang'
    const started = Date.now()
    const res = await call(app, data.api_key)
    // A correctness bound (the request does not hang), not a performance claim.
    expect(Date.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(503)
    expect(res.body).toEqual(UNAVAILABLE)
    expect(res.headers['retry-after']).toBe('7')
  })

  it('with onStoreError "fail-open", lets the request through without req.apiKey', async () => {
    const f = faulty(c.store)
    const app = c.app({ onStoreError: 'fail-open', timeout: 100 }, f.store)
    const { data } = await c.keys.create({ name: 'Open' })
    for (const mode of ['reject', 'throw', 'hang'] as const) {
      f.mode = mode
      const res = await call(app, data.api_key)
      expect({ mode, status: res.status, body: res.body }).toEqual({
        mode,
        status: 200,
        body: { ok: true, apiKey: null },
      })
    }
  })

  it('fail-open never lets through what needs no store to refuse', async () => {
    const f = faulty(c.store)
    const app = c.app({ onStoreError: 'fail-open' }, f.store)
    f.mode = 'reject'
    expect((await call(app, 'kg_sk_garbage')).status).toBe(401)
    const missing = await request(app).get('/r')
    expect(missing.body.code).toBe('MISSING_API_KEY')
  })
})
