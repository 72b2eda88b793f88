// OpenTelemetry: a keyguard.verify span per verification once an SDK is registered; none before.

import { context, trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { useStoreOf } from '../harness/stores'

describe('OpenTelemetry spans', () => {
  const opened = useStoreOf('memory')
  const exporter = new InMemorySpanExporter()

  afterAll(() => {
    trace.disable()
    context.disable()
  })

  it('records keyguard.verify spans with outcome, code and key id once a provider is registered', async () => {
    const { data } = await opened.keys.create({ name: 'Traced', quotas: { total: 1 } })
    const app = express().get('/r', apiKeyGuard({ store: opened.store }), (_q, r) => r.json({}))

    // No SDK yet: the no-op tracer, and the request goes on as usual.
    expect((await request(app).get('/r').set('X-API-Key', data.api_key)).status).toBe(200)

    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    )
    await request(app).get('/r').set('X-API-Key', data.api_key)
    await request(app).get('/r')
    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => ({ name: s.name, attributes: s.attributes }))).toEqual([
      {
        name: 'keyguard.verify',
        attributes: {
          'keyguard.outcome': 'rejected',
          'http.response.status_code': 401,
          'keyguard.code': 'QUOTA_EXCEEDED',
          'keyguard.key_id': data.id,
        },
      },
      {
        name: 'keyguard.verify',
        attributes: {
          'keyguard.outcome': 'rejected',
          'http.response.status_code': 401,
          'keyguard.code': 'MISSING_API_KEY',
        },
      },
    ])
    for (const span of spans) {
      const [seconds, nanos] = span.duration
      expect(seconds * 1e9 + nanos).toBeGreaterThanOrEqual(0)
    }
  })
})
