// Usage per quota window and rate, read from a key's counters at the store's time (off the hot path).

import { calendarPeriod, QUOTA_WINDOWS } from '../limits'
import type { LoadedKey } from '../store'
import type { Usage, UsageWindow, WindowName } from '../types'

const iso = (ms: number): string => new Date(ms).toISOString()

type QuotaName = 'daily' | 'weekly' | 'monthly' | 'yearly'

function windowUsage(
  period: QuotaName,
  limit: number,
  loaded: LoadedKey,
  nowMs: number,
): UsageWindow {
  const spec = QUOTA_WINDOWS.find((w) => w.name === period) as (typeof QUOTA_WINDOWS)[number]
  const { letter, slots, bucketSeconds: size } = spec
  const c = loaded.counters
  const last = c[`${letter}b`] === undefined ? undefined : Number(c[`${letter}b`])
  const window = (used: number, reset: string | null): UsageWindow => ({
    period,
    used,
    limit,
    remaining: Math.max(0, limit - used),
    reset_time: reset,
  })
  if (loaded.limits.quota_window === 'calendar') {
    const [current, end] = calendarPeriod(letter, nowMs)
    return window(last === current ? Number(c[`${letter}s`] ?? 0) : 0, iso(end))
  }
  if (last === undefined) return window(0, null)
  // The newest bucket's count is in the hot hash; closed buckets (last-slots, last) in the ring.
  const bucket = Math.max(Math.floor(nowMs / (size * 1000)), last)
  let used = 0
  let oldest: number | null = null
  for (let b = Math.max(bucket - slots + 1, last - slots + 1); b <= last; b++) {
    const n = b === last ? Number(c[`${letter}c`] ?? 0) : Number(c[`${letter}${b % slots}`] ?? 0)
    if (n > 0 && oldest === null) oldest = b
    used += n
  }
  return window(used, oldest === null ? null : iso((oldest + slots) * size * 1000))
}

/** A rate's bucket at now (GCRA): what is left of its burst, and when it is full again. */
function rateUsage(
  period: 'second' | 'minute',
  count: number,
  capacity: number,
  tat: string | undefined,
  nowMs: number,
): UsageWindow {
  const interval = Math.ceil((period === 'second' ? 1_000_000 : 60_000_000) / count)
  const ahead = Math.max(0, Number(tat ?? 0) - nowMs * 1000)
  const remaining = Math.max(0, Math.floor((capacity * interval - ahead) / interval))
  return {
    period,
    used: capacity - remaining,
    limit: capacity,
    remaining,
    reset_time: ahead > 0 ? iso(nowMs + Math.ceil(ahead / 1000)) : null,
  }
}

function rateWindows(loaded: LoadedKey, nowMs: number): UsageWindow[] {
  const { limits, counters } = loaded
  // A rate shared by the user (rate_scope "user") is the bucket of all the user's keys.
  const shared = limits.rate_scope === 'user'
  const windows: UsageWindow[] = []
  if (limits.per_second !== null) {
    const burst = limits.burst ?? limits.per_second
    const tat = shared ? counters.uts : counters.ts
    windows.push(rateUsage('second', limits.per_second, burst, tat, nowMs))
  }
  if (limits.per_minute !== null) {
    const tat = shared ? counters.utm : counters.tm
    windows.push(rateUsage('minute', limits.per_minute, limits.per_minute, tat, nowMs))
  }
  return windows
}

/**
 * Limitly's fields (current_usage, limit, remaining, reset_time, period) are the tightest quota
 * window's; the rates (the key's, or its user's shared ones) follow the quotas in `windows`, live.
 */
export function computeUsage(loaded: LoadedKey, nowMs: number): Usage {
  const { limits } = loaded
  const totalUsed = Number(loaded.counters.tt ?? 0)
  const windows: UsageWindow[] = []
  if (limits.total !== null) {
    windows.push({
      period: 'total',
      used: totalUsed,
      limit: limits.total,
      remaining: Math.max(0, limits.total - totalUsed),
      reset_time: null,
    })
  }
  for (const period of ['daily', 'weekly', 'monthly', 'yearly'] as const) {
    const limit = limits[period]
    if (limit !== null) windows.push(windowUsage(period, limit, loaded, nowMs))
  }
  let top: UsageWindow | undefined
  for (const w of windows) {
    if (!top || w.remaining * top.limit < top.remaining * w.limit) top = w
  }
  return {
    current_usage: top ? top.used : totalUsed,
    limit: top ? top.limit : null,
    remaining: top ? top.remaining : null,
    reset_time: top ? top.reset_time : null,
    period: top ? periodName(top.period) : null,
    total_requests: totalUsed,
    windows: [...windows, ...rateWindows(loaded, nowMs)],
  }
}

const periodName = (w: WindowName): string =>
  ({
    second: 'second',
    minute: 'minute',
    total: 'total',
    daily: 'day',
    weekly: 'week',
    monthly: 'month',
    yearly: 'year',
  })[w]
