// Usage per quota window, read from a key's counters at the store's time (off the hot path).

import { calendarPeriod } from './memory-verify'
import type { LoadedKey } from './store'
import type { Usage, UsageWindow, WindowName } from './types'

const ROLLING: Record<
  'daily' | 'weekly' | 'monthly',
  { letter: string; slots: number; size: number }
> = {
  daily: { letter: 'd', slots: 24, size: 3600 },
  weekly: { letter: 'w', slots: 28, size: 21600 },
  monthly: { letter: 'm', slots: 30, size: 86400 },
}

const iso = (ms: number): string => new Date(ms).toISOString()

function windowUsage(
  period: 'daily' | 'weekly' | 'monthly',
  limit: number,
  loaded: LoadedKey,
  nowMs: number,
): UsageWindow {
  const { letter, slots, size } = ROLLING[period]
  const c = loaded.counters
  const nowS = Math.floor(nowMs / 1000)
  const last = c[`${letter}b`] === undefined ? undefined : Number(c[`${letter}b`])
  if (loaded.limits.quota_window === 'calendar') {
    const [current, end] = calendarPeriod(letter, nowS)
    const used = last === current ? Number(c[`${letter}s`] ?? 0) : 0
    return { period, used, limit, remaining: Math.max(0, limit - used), reset_time: iso(end) }
  }
  const bucket = Math.max(Math.floor(nowS / size), last ?? 0)
  let used = 0
  let oldest: number | null = null
  if (last !== undefined) {
    for (let b = bucket - slots + 1; b <= bucket; b++) {
      if (b > last || b <= last - slots) continue
      const n = Number(c[`${letter}${b % slots}`] ?? 0)
      if (n > 0 && oldest === null) oldest = b
      used += n
    }
  }
  return {
    period,
    used,
    limit,
    remaining: Math.max(0, limit - used),
    reset_time: oldest === null ? null : iso((oldest + slots) * size * 1000),
  }
}

/** Limitly's fields (current_usage, limit, remaining, reset_time, period) are the tightest window's. */
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
  for (const period of ['daily', 'weekly', 'monthly'] as const) {
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
    windows,
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
  })[w]
