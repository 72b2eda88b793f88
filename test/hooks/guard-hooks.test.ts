// The hooks express-rate-limit users reach for: skip, getToken, handler, logger, onVerdict.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyguardConfigError, type VerdictEvent } from '../../src'
import { faulty } from '../harness/faulty-store'
import { useStoreOf } from '../harness/stores'

const ok = (_req: express.Request, res: express.Response) => {
  res.json({ ok: true, name: (_req.apiKey?.name as string | undefined) ?? null })
}

describe('guard hooks', () => {
  const opened = useStoreOf('memory')

  it('skip(req): the guard does nothing for skipped requests, sync or async', async () => {
    const app = express()
      .get(
        '/health',
        apiKeyGuard({ store: opened.store, skip: (req) => req.path === '/health' }),
        ok,
      )
      .get('/async', apiKeyGuard({ store: opened.store, skip: async () => true }), ok)
      .get('/r', apiKeyGuard({ store: opened.store, skip: () => false }), ok)
    expect((await request(app).get('/health')).body).toEqual({ ok: true, name: null })
    expect((await request(app).get('/async')).status).toBe(200)
    expect((await request(app).get('/r')).status).toBe(401)
  })

  it('getToken(req): reads the token from another place (a query parameter here)', async () => {
    const { data } = await opened.keys.create({ name: 'From query' })
    const app = express().get(
      '/r',
      apiKeyGuard({ store: opened.store, getToken: (req) => (req.query.key as string) ?? null }),
      ok,
    )
    const res = await request(app).get('/r').query({ key: data.api_key })
    expect(res.body).toEqual({ ok: true, name: 'From query' })
    // The default places are not read any more.
    const header = await request(app).get('/r').set('X-API-Key', data.api_key)
    expect(header.status).toBe(401)
    expect(header.body.code).toBe('MISSING_API_KEY')
  })

  it('handler(req, res, next, refusal): answers refusals, with the headers already set', async () => {
    const { data } = await opened.keys.create({ name: 'Handled', quotas: { total: 0 } })
    const app = express().get(
      '/r',
      apiKeyGuard({
        store: opened.store,
        handler: (_req, res, _next, refusal) => {
          res
            .status(418)
            .json({ refused: refusal.code, status: refusal.status, key: refusal.keyId })
        },
      }),
      ok,
    )
    const res = await request(app).get('/r').set('X-API-Key', data.api_key)
    expect(res.status).toBe(418)
    expect(res.body).toEqual({ refused: 'QUOTA_EXCEEDED', status: 401, key: data.id })
    expect(res.headers.ratelimit).toBe('"total";r=0')
  })

  it('a handler that throws or rejects goes to the error middleware, not an unhandled rejection', async () => {
    const app = express()
      .get(
        '/r',
        apiKeyGuard({
          store: opened.store,
          handler: async () => {
            throw new Error('handler broke')
          },
        }),
        ok,
      )
      .use(
        (
          error: Error,
          _req: express.Request,
          res: express.Response,
          _next: express.NextFunction,
        ) => {
          res.status(599).json({ caught: error.message })
        },
      )
    const res = await request(app).get('/r')
    expect(res.status).toBe(599)
    expect(res.body).toEqual({ caught: 'handler broke' })
  })

  it('onVerdict: outcome, code, key id and latency of each verification', async () => {
    const events: VerdictEvent[] = []
    const { data } = await opened.keys.create({ name: 'Watched', quotas: { total: 1 } })
    const app = express().get(
      '/r',
      apiKeyGuard({ store: opened.store, onVerdict: (e) => events.push(e) }),
      ok,
    )
    await request(app).get('/r').set('X-API-Key', data.api_key)
    await request(app).get('/r').set('X-API-Key', data.api_key)
    await request(app).get('/r')
    expect(
      events.map(({ outcome, code, status, keyId }) => ({ outcome, code, status, keyId })),
    ).toEqual([
      { outcome: 'allowed', code: null, status: 200, keyId: data.id },
      { outcome: 'rejected', code: 'QUOTA_EXCEEDED', status: 401, keyId: data.id },
      { outcome: 'rejected', code: 'MISSING_API_KEY', status: 401, keyId: null },
    ])
    for (const e of events) {
      expect(e.latencyMs).toBeGreaterThanOrEqual(0)
      expect(Math.abs(e.startedAt - Date.now())).toBeLessThan(60_000)
    }
  })

  it('a throwing onVerdict never breaks the request', async () => {
    const { data } = await opened.keys.create({ name: 'Still fine' })
    const app = express().get(
      '/r',
      apiKeyGuard({
        store: opened.store,
        onVerdict: () => {
          throw new Error('listener bug')
        },
      }),
      ok,
    )
    expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)
  })

  it('logger: store errors are warned once a second with a count; nothing goes to the console', async () => {
    const { data } = await opened.keys.create({ name: 'Store down' })
    const broken = faulty(opened.store, 'connect ECONNREFUSED')
    broken.mode = 'reject'
    const lines: Array<{ fields: Record<string, unknown>; message: string | undefined }> = []
    const logger = {
      error: (fields: object, message?: string) =>
        lines.push({ fields: fields as Record<string, unknown>, message }),
      warn: (fields: object, message?: string) =>
        lines.push({ fields: fields as Record<string, unknown>, message }),
    }
    const consoleSpies = (['log', 'warn', 'error', 'info'] as const).map((m) =>
      jest.spyOn(console, m),
    )
    try {
      const app = express().get('/r', apiKeyGuard({ store: broken.store, logger }), ok)
      for (let i = 0; i < 5; i++) {
        expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(503)
      }
      const silent = express().get('/r', apiKeyGuard({ store: broken.store }), ok)
      expect((await request(silent).get('/r').set('X-API-Key', data.api_key)).status).toBe(503)
      for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of consoleSpies) spy.mockRestore()
    }
    // Five failures within a second: one line (the rest are counted into the next one).
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line?.message).toBe('keyguard: the key store failed; answered 503 STORE_UNAVAILABLE')
    expect(line?.fields.keyId).toBe(data.id)
    expect(line?.fields.err).toEqual(new Error('The key store failed: connect ECONNREFUSED'))
  })

  it('bad hook options are refused at creation, with a hint', () => {
    expect(() => apiKeyGuard({ skip: 'yes' } as never)).toThrow(
      new KeyguardConfigError('apiKeyGuard: option "skip": skip must be a function req => boolean'),
    )
    expect(() => apiKeyGuard({ onVerdit: () => {} } as never)).toThrow(/did you mean "onVerdict"\?/)
    expect(() => apiKeyGuard({ logger: { info: () => {} } } as never)).toThrow(
      /option "logger": must be a logger with error\(\) and warn\(\)/,
    )
  })
})
