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
  limit: number
  bucket: number
  sum: number
  count: number
  resetMs: number
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
    limit,
    bucket: period,
    sum,
    count: 0,
    resetMs,
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
    limit,
    bucket: rollingBucket(spec, nowMs),
    sum: optional(field(`${letter}s`)) ?? 0,
    count: optional(field(`${letter}c`)) ?? 0,
    resetMs: 0,
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
  window.resetMs = (window.bucket + 1) * spec.bucketSeconds * 1000
  return window
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
