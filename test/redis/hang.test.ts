// A hung Redis (SIGSTOP) never hangs a request: 503 within the timeout, then recovery on SIGCONT.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, StoreUnavailableError } from '../../src'
import { hashToken, parseToken } from '../../src/token'
import { usePrivateRedis } from '../harness/private-redis'

describe('Redis hangs (private redis-server, SIGSTOP)', () => {
  const redis = usePrivateRedis()

  it('answers 503 STORE_UNAVAILABLE within the timeout, then recovers after SIGCONT', async () => {
    const keys = new KeyManager(redis.store)
    const { data } = await keys.create({ name: 'Patient' })
    const app = express()
    app.get(
      '/r',
      apiKeyGuard({ store: redis.store, timeout: 300, requestLog: false }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    const get = () => request(app).get('/r').set('Authorization', `Bearer ${data.api_key}`)
    expect((await get()).status).toBe(200)

    redis.server.pause()
    try {
      const started = Date.now()
      const answers = await Promise.all([get(), get(), get()])
      const elapsed = Date.now() - started
      for (const res of answers) {
        expect(res.status).toBe(503)
        expect(res.body).toEqual({
          error: 'Service temporarily unavailable',
          code: 'STORE_UNAVAILABLE',
        })
        expect(res.headers['retry-after']).toBe('1')
      }
      // Bounded by the 300 ms timeout: a generous correctness bound, not a performance claim.
      expect(elapsed).toBeGreaterThanOrEqual(250)
      expect(elapsed).toBeLessThan(2000)
      // Still bounded while the server stays stopped.
      expect((await get()).status).toBe(503)
    } finally {
      redis.server.resume()
    }

    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await get()).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe(200)
  })
  it("one bound per verification: the store's commandTimeout by default, a shorter timeout when asked", async () => {
    const keys = new KeyManager(redis.store)
    const { data } = await keys.create({ name: 'Bounded' })
    const app = express()
    app.get('/r', apiKeyGuard({ store: redis.store, requestLog: false }), (_req, res) => {
      res.json({ ok: true })
    })
    const parsed = parseToken(data.api_key, 'kg')
    if (!parsed) throw new Error('unparsable token')
    const verify = (timeoutMs?: number) =>
      redis.store.verify(
        { ...parsed, hash: hashToken(data.api_key), cost: 1, scopes: [] },
        timeoutMs,
      )
    const timed = async (work: () => Promise<unknown>) => {
      const started = Date.now()
      const outcome = await work().then(
        (value) => value,
        (error: unknown) => error,
      )
      return { outcome, ms: Date.now() - started }
    }
    expect((await verify()).outcome).toBe('ok')

    redis.server.pause()
    try {
      const [guarded, direct, short] = await Promise.all([
        timed(() => request(app).get('/r').set('X-API-Key', data.api_key)),
        timed(() => verify()),
        timed(() => verify(150)),
      ])
      // Correctness bounds (nothing hangs, and the shorter bound wins), not performance claims.
      expect((guarded.outcome as { status: number }).status).toBe(503)
      expect(guarded.ms).toBeGreaterThanOrEqual(450)
      expect(guarded.ms).toBeLessThan(2000)
      expect(direct.outcome).toBeInstanceOf(StoreUnavailableError)
      expect(direct.ms).toBeGreaterThanOrEqual(450)
      expect(direct.ms).toBeLessThan(2000)
      expect(short.outcome).toBeInstanceOf(StoreUnavailableError)
      expect(short.ms).toBeLessThan(450)
    } finally {
      redis.server.resume()
    }
    let outcome = ''
    for (let attempt = 0; attempt < 50 && outcome !== 'ok'; attempt++) {
      outcome = await verify().then(
        (v) => v.outcome,
        () => '',
      )
      if (outcome !== 'ok') await new Promise((r) => setTimeout(r, 100))
    }
    expect(outcome).toBe('ok')
  })
})
