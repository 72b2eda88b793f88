// Prometheus metrics for keyguard (prom-client): verifications, their latency, store errors, fail-open, IP blocks, log drops.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { Counter, Histogram, Registry } from 'prom-client'
import { z } from 'zod'
import { type KeyguardEvent, onKeyguardEvent } from '../telemetry'
import { validateOptions } from '../validation'

export interface KeyguardMetricsOptions {
  /** The prom-client registry the series go to. Defaults to a registry of keyguard's own. */
  registry?: Registry
  /** Prefix of every series name. Defaults to `keyguard_`. */
  prefix?: string
  /** Latency histogram buckets, in seconds. Defaults to 0.0005 … 1 (11 buckets). */
  buckets?: number[]
}

const optionsSchema = z.strictObject({
  registry: z
    .custom<Registry>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Registry).metrics === 'function',
      'must be a prom-client Registry',
    )
    .optional(),
  prefix: z
    .string()
    .regex(
      /^[a-zA-Z_:][a-zA-Z0-9_:]*$/,
      'must be a valid Prometheus metric name prefix, like "keyguard_"',
    )
    .default('keyguard_'),
  buckets: z
    .array(z.number().positive('buckets are positive seconds'))
    .min(1, 'name at least one bucket')
    .default([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]),
})

/** keyguard's series in a registry, fed by the events of every guard and store in this process. */
export interface KeyguardMetrics {
  readonly registry: Registry
  /** A node:http / Express handler answering the registry in Prometheus' text format. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  /** Stops counting (the series stay in the registry). */
  stop(): void
}

/** Counts keyguard's events as Prometheus series; see docs/observability.md for the list. */
export function keyguardMetrics(options?: KeyguardMetricsOptions): KeyguardMetrics {
  const {
    registry: given,
    prefix,
    buckets,
  } = validateOptions('keyguardMetrics', optionsSchema, options)
  const registry = given ?? new Registry()
  const registers = [registry]
  const verifications = new Counter({
    name: `${prefix}verifications_total`,
    help: 'Verifications by outcome (allowed, rejected, error, fail-open) and error code',
    labelNames: ['outcome', 'code'] as const,
    registers,
  })
  const latency = new Histogram({
    name: `${prefix}verification_duration_seconds`,
    help: 'Time a guard took to decide a request, store call included',
    labelNames: ['outcome'] as const,
    buckets,
    registers,
  })
  const storeErrors = new Counter({
    name: `${prefix}store_errors_total`,
    help: 'Store calls on a request path that failed or timed out',
    registers,
  })
  const failOpen = new Counter({
    name: `${prefix}fail_open_total`,
    help: 'Requests let through because the store failed (onStoreError: fail-open)',
    registers,
  })
  const ipBlocks = new Counter({
    name: `${prefix}ip_blocks_total`,
    help: 'IP groups blocked after failed authentications',
    registers,
  })
  const logDrops = new Counter({
    name: `${prefix}request_log_dropped_total`,
    help: 'Request log entries dropped (store failed, or the buffer was full)',
    registers,
  })
  const dataLoss = new Counter({
    name: `${prefix}store_data_loss_total`,
    help: 'Times the store was found without the data it had (keyguard answers 503 until confirmed)',
    registers,
  })

  const count = (event: KeyguardEvent): void => {
    switch (event.type) {
      case 'verdict':
        verifications.inc({ outcome: event.outcome, code: event.code ?? '' })
        latency.observe({ outcome: event.outcome }, event.latencyMs / 1000)
        if (event.outcome === 'fail-open') failOpen.inc()
        break
      case 'store-error':
        storeErrors.inc()
        break
      case 'ip-block':
        ipBlocks.inc()
        break
      case 'request-log-drop':
        logDrops.inc(event.count)
        break
      case 'store-data-loss':
        dataLoss.inc()
        break
    }
  }
  const stop = onKeyguardEvent(count)

  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    registry.metrics().then(
      (text) => {
        res.statusCode = 200
        res.setHeader('Content-Type', registry.contentType)
        res.end(text)
      },
      () => {
        res.statusCode = 503
        res.end('metrics unavailable\n')
      },
    )
  }
  return { registry, handler, stop }
}

/** `app.get('/metrics', metricsHandler())`: keyguard's series, counted from now on. */
export function metricsHandler(
  options?: KeyguardMetricsOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return keyguardMetrics(options).handler
}
