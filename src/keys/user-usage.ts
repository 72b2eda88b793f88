// A user's usage (Limitly's `GET /users/:id/usage`): the use of the user's keys in its plan's period.

import { QUOTA_WINDOWS, quotaPeriod, WINDOW_OF_PERIOD } from '../limits'
import type { LoadedKey, StoredUser } from '../store'
import type { Plan, UserUsage } from '../types'
import { computeUsage } from './usage'

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * With a plan that has a request period: the requests of the user's keys that count in that
 * window (the plan-less keys, which take the plan's limits, and keys whose own limits have the
 * window), against the plan's `max_requests`. Keyguard enforces that limit per key, so a user with
 * several keys may pass 100%. Without one: every request of the user's keys, unlimited.
 */
export function userUsage(
  user: StoredUser,
  plan: Plan | null,
  keys: readonly LoadedKey[],
  nowMs: number,
): UserUsage {
  const usages = keys.map((loaded) => computeUsage(loaded, nowMs))
  const totalRequests = usages.reduce((sum, u) => sum + u.total_requests, 0)
  const base = {
    type: 'user' as const,
    user_name: user.name,
    plan_name: plan?.name ?? null,
    keys_count: keys.length,
  }
  const period = plan?.request_period ?? null
  const limit = plan?.max_requests ?? null
  if (plan === null || period === null || limit === null) {
    return {
      ...base,
      current_usage: totalRequests,
      limit: null,
      percentage_used: null,
      period_start: null,
      period_end: null,
      is_unlimited: true,
    }
  }
  const name = WINDOW_OF_PERIOD[period]
  const used = usages.reduce(
    (sum, u) => sum + (u.windows.find((w) => w.period === name)?.used ?? 0),
    0,
  )
  const spec = QUOTA_WINDOWS.find((w) => w.name === name)
  const [start, end] = spec
    ? quotaPeriod(spec, plan.quota_window === 'calendar', nowMs)
    : [null, null]
  return {
    ...base,
    current_usage: used,
    limit,
    percentage_used: limit === 0 ? 100 : Math.round((used / limit) * 10000) / 100,
    period_start: start === null ? null : iso(start),
    period_end: end === null ? null : iso(end),
    is_unlimited: false,
  }
}
