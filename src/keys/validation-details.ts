// What `POST /validate` reports of an admitted request: Limitly's usage fields, read from the verification itself.

import { calendarStart, QUOTA_WINDOWS } from '../limits'
import type { Verdict, WindowState } from '../store'
import type { QuotaWindow, WindowName } from '../types'

/** Limitly's `details`, plus keyguard's: which window they describe, what is left, and when credit returns. */
export interface ValidationDetails {
  /** Credits used in the period, this request included. */
  current_usage: number | null
  limit: number | null
  plan_name: string | null
  /** Where the period began: a calendar period's start, a rolling window's oldest counted hour or day, a total quota's key creation. */
  period_start: string | null
  /** A calendar period's end; for a rolling window, this verification's time; null for a total quota. */
  period_end: string | null
  /** `day`, `week`, `month`, `year` or `total`; null when the key has no quota. */
  period: string | null
  remaining: number | null
  /** When the window next gives credit back (null: never, or no quota). */
  reset_time: string | null
  key_id: string
  /** Every quota window of the key after this request: `{ period, used, limit, remaining, reset_time }`. */
  windows: Array<{
    period: string
    used: number
    limit: number
    remaining: number
    reset_time: string | null
  }>
}

const iso = (ms: number): string => new Date(ms).toISOString()

const PERIODS: Partial<Record<WindowName, string>> = {
  total: 'total',
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  yearly: 'year',
}

/** The period `[start, end]` a window's count covers at `nowMs`. */
function periodOf(
  window: WindowState,
  nowMs: number,
  quotaWindow: QuotaWindow,
  createdAt: string,
): [string | null, string | null] {
  if (window.name === 'total') return [createdAt, null]
  const spec = QUOTA_WINDOWS.find((w) => w.name === window.name)
  if (spec === undefined) return [null, null]
  if (quotaWindow === 'calendar')
    return [iso(calendarStart(spec.letter, nowMs)), iso(nowMs + window.resetMs)]
  const size = spec.bucketSeconds * 1000
  return [iso((Math.floor(nowMs / size) - spec.slots + 1) * size), iso(nowMs)]
}

/**
 * Limitly's fields describe the tightest quota window (the least left, as a share of its limit),
 * as `GET /keys/:id/usage` picks it; all are null for a key without quotas.
 */
export function validationDetails(
  verdict: Pick<Verdict, 'windows' | 'nowMs'>,
  key: { id: string; created_at: string },
  planName: string | null,
  quotaWindow: QuotaWindow,
): ValidationDetails {
  const quotas = verdict.windows.filter((w) => PERIODS[w.name] !== undefined)
  let top: WindowState | undefined
  for (const w of quotas) {
    if (!top || w.remaining * top.limit < top.remaining * w.limit) top = w
  }
  const resetOf = (w: WindowState): string | null =>
    w.name === 'total' ? null : iso(verdict.nowMs + w.resetMs)
  const [start, end] = top
    ? periodOf(top, verdict.nowMs, quotaWindow, key.created_at)
    : [null, null]
  return {
    current_usage: top ? top.limit - top.remaining : null,
    limit: top ? top.limit : null,
    plan_name: planName,
    period_start: start,
    period_end: end,
    period: top ? (PERIODS[top.name] ?? null) : null,
    remaining: top ? top.remaining : null,
    reset_time: top ? resetOf(top) : null,
    key_id: key.id,
    windows: quotas.map((w) => ({
      period: PERIODS[w.name] as string,
      used: w.limit - w.remaining,
      limit: w.limit,
      remaining: w.remaining,
      reset_time: resetOf(w),
    })),
  }
}
