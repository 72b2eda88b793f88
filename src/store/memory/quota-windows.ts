// The quota windows of one verification on MemoryStore: opened at now, checked against the cost.

import { calendarPeriod, QUOTA_WINDOWS, type QuotaWindowSpec, rollingBucket } from '../../limits'
import type { WorstFailure } from './worst-failure'

export type Field = (name: string) => string | undefined

/** What a window check needs of the verification: its cost and a read of the key's ring. */
export interface WindowInput {
  cost: number
  peekRing: () => Map<string, string> | undefined
}

export const optional = (v: string | undefined): number | undefined =>
  v === undefined ? undefined : Number(v)
export const limitOf = (v: string | undefined): number => (v === undefined ? -1 : Number(v))

export /** A quota window opened at now: its bucket, running sum and newest count, and ring changes. */
interface OpenWindow {
  spec: QuotaWindowSpec
  calendar: boolean
  limit: number
  bucket: number
  sum: number
  count: number
  resetMs: number
  /** Rolling: the oldest bucket with a count still in the window (null: the window is empty). */
  oldest: number | null
  /** The `o` field as it was read: the charge writes `oldest` only when it differs. */
  storedOldest: number | undefined
  /** Ring fields of buckets that closed since the last write: read, subtracted, then deleted. */
  closed: string[]
  /** The newest bucket's count moves to the ring when its bucket closes. */
  moved: [string, number] | null
  /** Every ring field of the window, dropped when the whole window has passed. */
  dropped: string[]
}

/** Opens each quota window the key has at now and records a failure for any this cost exceeds. */
export function checkWindows(
  input: WindowInput,
  field: Field,
  nowMs: number,
  failure: WorstFailure,
): OpenWindow[] {
  const calendar = field('qc') === '1'
  const windows: OpenWindow[] = []
  for (const spec of QUOTA_WINDOWS) {
    const limit = limitOf(field(`q${spec.letter}`))
    if (limit < 0) continue
    const window = calendar
      ? openCalendar(spec, limit, field, nowMs)
      : openRolling(spec, limit, field, nowMs, input.peekRing())
    if (!calendar) {
      window.oldest = oldestInWindow(window, field, input.peekRing())
      window.resetMs = rollingReset(window, nowMs)
    }
    if (window.sum + input.cost > limit) {
      const wait =
        input.cost > limit
          ? -1
          : calendar
            ? window.resetMs - nowMs
            : rollingWait(window, field, input, nowMs)
      if (wait >= 0) window.resetMs = nowMs + wait
      failure.add(spec.index, wait)
    }
    windows.push(window)
  }
  return windows
}

function openCalendar(
  spec: QuotaWindowSpec,
  limit: number,
  field: Field,
  nowMs: number,
): OpenWindow {
  const [period, resetMs] = calendarPeriod(spec.letter, nowMs)
  const last = optional(field(`${spec.letter}b`))
  const sum = last === period ? (optional(field(`${spec.letter}s`)) ?? 0) : 0
  return {
    spec,
    calendar: true,
    limit,
    bucket: period,
    sum,
    count: 0,
    resetMs,
    oldest: null,
    storedOldest: undefined,
    closed: [],
    moved: null,
    dropped: [],
  }
}

function openRolling(
  spec: QuotaWindowSpec,
  limit: number,
  field: Field,
  nowMs: number,
  ring: Map<string, string> | undefined,
): OpenWindow {
  const { letter, slots } = spec
  const last = optional(field(`${letter}b`))
  const window: OpenWindow = {
    spec,
    calendar: false,
    limit,
    bucket: rollingBucket(spec, nowMs),
    sum: optional(field(`${letter}s`)) ?? 0,
    count: optional(field(`${letter}c`)) ?? 0,
    resetMs: 0,
    oldest: null,
    storedOldest: optional(field(`${letter}o`)),
    closed: [],
    moved: null,
    dropped: [],
  }
  if (last === undefined || window.bucket >= last + slots) {
    // Never used, or idle for a whole window: it starts empty.
    if (last !== undefined) window.dropped = Array.from({ length: slots }, (_, i) => letter + i)
    window.sum = 0
    window.count = 0
  } else if (window.bucket > last) {
    if (window.count > 0) window.moved = [`${letter}${last % slots}`, window.count]
    for (let i = last + 1; i <= window.bucket; i++) window.closed.push(`${letter}${i % slots}`)
    for (const closed of window.closed) window.sum -= optional(ring?.get(closed)) ?? 0
    window.count = 0
  } else {
    window.bucket = last
  }
  return window
}

/**
 * The oldest bucket with a count in the window: the stored `o` while it is still in the window,
 * else found in the ring (at most once per sub-bucket); null when the window is empty.
 */
function oldestInWindow(
  window: OpenWindow,
  field: Field,
  ring: Map<string, string> | undefined,
): number | null {
  const { letter, slots } = window.spec
  if (window.sum <= 0) return null
  const first = window.bucket - slots + 1
  const stored = window.storedOldest
  if (stored !== undefined && stored >= first) return stored
  const last = Number(field(`${letter}b`))
  for (let j = first; j < last; j++) {
    if ((optional(ring?.get(`${letter}${j % slots}`)) ?? 0) > 0) return j
  }
  // The newest bucket; also where the count is when the ring was lost (the latest possible reset).
  return last
}

/**
 * A rolling window's reset: when its oldest counted credits leave it (so the usage's reset_time,
 * and Retry-After when it is full); now when it is empty.
 */
export function rollingReset(window: OpenWindow, nowMs: number): number {
  const { slots, bucketSeconds } = window.spec
  return window.oldest === null ? nowMs : (window.oldest + slots) * bucketSeconds * 1000
}

/** Admitted: a rolling window that was empty now holds this request's credits, in the current bucket. */
export function admitInto(window: OpenWindow, cost: number, nowMs: number): void {
  if (window.calendar || window.oldest !== null || cost <= 0) return
  window.oldest = window.bucket
  window.resetMs = rollingReset(window, nowMs)
}

/** How long until a rolling window has room for the cost: its oldest buckets leave first (-1: never). */
function rollingWait(window: OpenWindow, field: Field, input: WindowInput, nowMs: number): number {
  const { letter, slots, bucketSeconds } = window.spec
  const last = Number(field(`${letter}b`))
  const newest = optional(field(`${letter}c`)) ?? 0
  const need = window.sum + input.cost - window.limit
  const ring = input.peekRing()
  let freed = 0
  for (let j = window.bucket - slots + 1; j <= last; j++) {
    freed += j === last ? newest : (optional(ring?.get(`${letter}${j % slots}`)) ?? 0)
    if (freed >= need) return (j + slots) * bucketSeconds * 1000 - nowMs
  }
  return -1
}
