// GCRA (the generic cell rate algorithm): a rate with a burst, as one theoretical arrival time per bucket.

const ceil = Math.ceil
const floor = Math.floor

export interface GcraStep {
  /** The arrival time the bucket holds if this request is admitted, µs. */
  tat: number
  /** Microseconds between two requests at the sustained rate. */
  interval: number
  /** The bucket's capacity (the burst). */
  capacity: number
  /** How far the new arrival time runs ahead of now, µs. */
  ahead: number
  /** Milliseconds to wait when this request does not fit; 0 when it does. */
  waitMs: number
}

/**
 * One request against a bucket of `capacity` refilled `count` times per `periodMicros`.
 * `tat` is the stored arrival time (µs), or undefined for a full bucket.
 */
export function gcraStep(
  tat: number | undefined,
  nowMicros: number,
  count: number,
  periodMicros: number,
  capacity: number,
): GcraStep {
  const interval = ceil(periodMicros / count)
  const next = Math.max(tat ?? 0, nowMicros) + interval
  const ahead = next - nowMicros
  const over = ahead - capacity * interval
  return { tat: next, interval, capacity, ahead, waitMs: over > 0 ? ceil(over / 1000) : 0 }
}

/** Requests left, and ms until the bucket is full again, after a step (admitted or not). */
export function gcraRemaining(step: GcraStep, admitted: boolean): [number, number] {
  if (admitted) {
    return [
      floor((step.capacity * step.interval - step.ahead) / step.interval),
      ceil(step.ahead / 1000),
    ]
  }
  const left = floor((step.capacity * step.interval - step.ahead) / step.interval) + 1
  return [Math.max(left, 0), ceil(Math.max(step.ahead - step.interval, 0) / 1000)]
}
