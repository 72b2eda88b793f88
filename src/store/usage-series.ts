// Per-key usage series (GET /keys/:id/series): the hourly and daily counters written with the request log, and their points.

import type { RequestLogEntry, SeriesGranularity, UsagePoint, UsageSeries } from '../types'

export interface SeriesSpec {
  /** Bucket size in ms: buckets start at multiples of it since the epoch (UTC hours, UTC days). */
  bucketMs: number
  /** Buckets kept and shown, the current one included. */
  buckets: number
  /**
   * A key's counters of this granularity go this long after their newest bucket's first write
   * (on Redis; MemoryStore: after their last write), which is past the buckets shown.
   */
  ttlMs: number
}

const DAY_MS = 86_400_000

export const SERIES: Readonly<Record<SeriesGranularity, SeriesSpec>> = {
  hour: { bucketMs: 3_600_000, buckets: 168, ttlMs: 8 * DAY_MS },
  day: { bucketMs: DAY_MS, buckets: 90, ttlMs: 91 * DAY_MS },
}

export const SERIES_GRANULARITIES: readonly SeriesGranularity[] = ['hour', 'day']

/**
 * The rejection codes counted by name: the guard's refusals of a request that named a key. Any
 * other reason counts as `OTHER`, so a bucket holds at most 10 counters (allowed + 9 codes).
 */
export const SERIES_CODES: ReadonlySet<string> = new Set([
  'INVALID_API_KEY',
  'INACTIVE_API_KEY',
  'EXPIRED_API_KEY',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'INSUFFICIENT_SCOPE',
  'IP_BLOCKED',
  'STORE_UNAVAILABLE',
])
export const OTHER_CODE = 'OTHER'

/** Counters per bucket at most: `a` and one `r:<CODE>` per code of SERIES_CODES and OTHER. */
export const COUNTERS_PER_BUCKET = SERIES_CODES.size + 2

/** The counter a logged request adds one to: `a` (allowed) or `r:<CODE>` (rejected). */
export function counterOf(entry: Pick<RequestLogEntry, 'status' | 'reason'>): string {
  if (entry.status === 'allowed') return 'a'
  return `r:${entry.reason !== null && SERIES_CODES.has(entry.reason) ? entry.reason : OTHER_CODE}`
}

/** A flush's increments, per key id: counter → requests, over every entry of the flush. */
export function seriesIncrements(
  entries: readonly RequestLogEntry[],
): Map<string, Map<string, number>> {
  const byKey = new Map<string, Map<string, number>>()
  for (const entry of entries) {
    let counters = byKey.get(entry.key_id)
    if (!counters) {
      counters = new Map()
      byKey.set(entry.key_id, counters)
    }
    const counter = counterOf(entry)
    counters.set(counter, (counters.get(counter) ?? 0) + 1)
  }
  return byKey
}

/** The bucket index of a time: whole bucket sizes since the epoch. */
export const bucketOf = (ms: number, spec: SeriesSpec): number => Math.floor(ms / spec.bucketMs)

/** A stored field: `<bucket>:a` or `<bucket>:r:<CODE>`. */
export const seriesField = (bucket: number, counter: string): string => `${bucket}:${counter}`

const FIELD = /^(\d+):(a|r:[A-Z][A-Z0-9_]*)$/

/**
 * The series at `nowMs` from a key's stored fields: every bucket of the period, oldest first,
 * zeros included. Fields of buckets outside the period (not trimmed yet) and any other field
 * (the newest-bucket mark) are ignored.
 */
export function buildSeries(
  keyId: string,
  granularity: SeriesGranularity,
  fields: Iterable<readonly [string, string | number]>,
  nowMs: number,
): UsageSeries {
  const spec = SERIES[granularity]
  const newest = bucketOf(nowMs, spec)
  const oldest = newest - spec.buckets + 1
  const points: UsagePoint[] = []
  for (let b = oldest; b <= newest; b++) {
    points.push({
      t: new Date(b * spec.bucketMs).toISOString(),
      allowed: 0,
      rejected: 0,
      rejected_by: {},
    })
  }
  for (const [field, value] of fields) {
    const match = FIELD.exec(field)
    const count = Number(value)
    if (!match || !Number.isSafeInteger(count) || count <= 0) continue
    const point = points[Number(match[1]) - oldest]
    if (point === undefined) continue
    const counter = match[2] as string
    if (counter === 'a') {
      point.allowed += count
    } else {
      const code = counter.slice(2)
      point.rejected += count
      point.rejected_by[code] = (point.rejected_by[code] ?? 0) + count
    }
  }
  return {
    key_id: keyId,
    granularity,
    from: new Date(oldest * spec.bucketMs).toISOString(),
    to: new Date((newest + 1) * spec.bucketMs).toISOString(),
    points,
  }
}
