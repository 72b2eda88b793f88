// OpenTelemetry spans for verifications, through @opentelemetry/api: with no SDK registered they are no-ops.

import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import type { VerdictEvent } from './events'

const tracer = trace.getTracer('keyguard')

/**
 * Records a finished verification as a `keyguard.verify` span under the request's active span,
 * with its real start and end. Called after the answer is decided, so a tracer that records
 * nothing costs one no-op span and no attributes.
 */
export function recordVerifySpan(event: VerdictEvent): void {
  const span = tracer.startSpan('keyguard.verify', { startTime: event.startedAt }, context.active())
  if (span.isRecording()) {
    span.setAttribute('keyguard.outcome', event.outcome)
    span.setAttribute('http.response.status_code', event.status)
    if (event.code !== null) span.setAttribute('keyguard.code', event.code)
    if (event.keyId !== null) span.setAttribute('keyguard.key_id', event.keyId)
    if (event.outcome === 'error')
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.code ?? '' })
  }
  span.end(event.startedAt + event.latencyMs)
}
