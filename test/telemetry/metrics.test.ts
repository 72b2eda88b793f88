// keyguard/metrics: Prometheus series counted from real guard traffic, scraped over HTTP.

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { Registry } from 'prom-client'
import request from 'supertest'
import {
  apiKeyGuard,
  flushRequestLogs,
  KeyguardConfigError,
  MemoryStore,
  type Store,
} from '../../src'
import { keyguardMetrics } from '../../src/metrics'
import { faulty } from '../harness/faulty-store'
import { useStoreOf } from '../harness/stores'

/** The value of one series line, `name{labels} value`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function scrape(handler: ReturnType<typeof keyguardMetrics>['handler']) {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)
    return { type: res.headers.get('content-type'), text: await res.text() }
  } finally {
    server.close()
  }
}

describe('keyguardMetrics', () => {
  const opened = useStoreOf('memory')

  it('counts verifications by outcome and code, and times them', async () => {
    const metrics = keyguardMetrics({ registry: new Registry() })
    try {
      const { data } = await opened.keys.create({ name: 'Metered', quotas: { total: 2 } })
      const app = express().get('/r', apiKeyGuard({ store: opened.store }), (_q, r) => {
        r.json({ ok: true })
      })
      for (let i = 0; i < 3; i++) await request(app).get('/r').set('X-API-Key', data.api_key)
      await request(app).get('/r')
      const { type, text } = await scrape(metrics.handler)
      expect(type).toMatch(/^text\/plain; version=0\.0\.4/)
      expect(sample(text, 'keyguard_verifications_total{outcome="allowed",code=""}')).toBe(2)
      expect(
        sample(text, 'keyguard_verifications_total{outcome="rejected",code="QUOTA_EXCEEDED"}'),
      ).toBe(1)
      expect(
        sample(text, 'keyguard_verifications_total{outcome="rejected",code="MISSING_API_KEY"}'),
      ).toBe(1)
      expect(sample(text, 'keyguard_verification_duration_seconds_count{outcome="allowed"}')).toBe(
        2,
      )
      expect(sample(text, 'keyguard_verification_duration_seconds_count{outcome="rejected"}')).toBe(
        2,
      )
    } finally {
      metrics.stop()
    }
  })

  it('counts store errors, fail-open admissions and request-log drops', async () => {
    const metrics = keyguardMetrics({ registry: new Registry(), prefix: 'api_' })
    try {
      const { data } = await opened.keys.create({ name: 'Failing' })
      const broken = faulty(opened.store)
      broken.mode = 'reject'
      // A store whose log writes fail: each logged request is a dropped entry.
      const noLog = new Proxy(broken.store, {
        get(target, prop) {
          if (prop === 'appendRequests') return () => Promise.reject(new Error('log write failed'))
          return Reflect.get(target, prop, target)
        },
      }) as Store
      const app = express()
        .get('/closed', apiKeyGuard({ store: broken.store }), (_q, r) => r.json({}))
        .get(
          '/open',
          apiKeyGuard({ store: noLog, onStoreError: 'fail-open', requestLog: { batchSize: 1 } }),
          (_q, r) => r.json({}),
        )
      expect((await request(app).get('/closed').set('X-API-Key', data.api_key)).status).toBe(503)
      expect((await request(app).get('/open').set('X-API-Key', data.api_key)).status).toBe(200)
      expect((await request(app).get('/open').set('X-API-Key', data.api_key)).status).toBe(200)
      await flushRequestLogs(noLog)
      const { text } = await scrape(metrics.handler)
      expect(sample(text, 'api_store_errors_total')).toBe(3)
      expect(sample(text, 'api_fail_open_total')).toBe(2)
      expect(
        sample(text, 'api_verifications_total{outcome="error",code="STORE_UNAVAILABLE"}'),
      ).toBe(1)
      expect(sample(text, 'api_verifications_total{outcome="fail-open",code=""}')).toBe(2)
      // The two requests let through on the store whose log writes fail.
      expect(sample(text, 'api_request_log_dropped_total')).toBe(2)
    } finally {
      metrics.stop()
    }
  })

  it('counts IP blocks', async () => {
    const metrics = keyguardMetrics({ registry: new Registry() })
    const store = new MemoryStore()
    try {
      const app = express().get('/r', apiKeyGuard({ store, ipBlock: { failures: 2 } }), (_q, r) =>
        r.json({}),
      )
      for (const guess of ['kg_sk_a', 'kg_sk_b']) {
        expect((await request(app).get('/r').set('X-API-Key', guess)).status).toBe(401)
      }
      expect((await request(app).get('/r').set('X-API-Key', 'kg_sk_c')).status).toBe(403)
      const { text } = await scrape(metrics.handler)
      expect(sample(text, 'keyguard_ip_blocks_total')).toBe(1)
      expect(
        sample(text, 'keyguard_verifications_total{outcome="rejected",code="IP_BLOCKED"}'),
      ).toBe(1)
    } finally {
      metrics.stop()
      await store.close()
    }
  })

  it('stops counting after stop()', async () => {
    const metrics = keyguardMetrics({ registry: new Registry() })
    metrics.stop()
    const app = express().get('/r', apiKeyGuard({ store: opened.store }), (_q, r) => r.json({}))
    await request(app).get('/r')
    const { text } = await scrape(metrics.handler)
    expect(text).toContain('# TYPE keyguard_verifications_total counter')
    expect(text).not.toContain('keyguard_verifications_total{')
  })

  it('refuses bad options with a hint', () => {
    expect(() => keyguardMetrics({ prefx: 'x' } as never)).toThrow(/did you mean "prefix"\?/)
    expect(() => keyguardMetrics({ prefix: '1bad' })).toThrow(KeyguardConfigError)
  })
})
