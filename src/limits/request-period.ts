// Limitly's plan limit (max_requests per request_period) as one of keyguard's quota windows, both ways.

import type { Plan, Quotas, RequestPeriod } from '../types'

type PlanQuotas = Omit<Quotas, 'total'>
type QuotaName = keyof PlanQuotas

/** The quota window of each request period. */
export const WINDOW_OF_PERIOD: Readonly<Record<RequestPeriod, QuotaName>> = {
  day: 'daily',
  week: 'weekly',
  month: 'monthly',
  year: 'yearly',
}

/** Longest first: a plan with several quotas reports its longest one in Limitly's form. */
const LONGEST_FIRST: readonly RequestPeriod[] = ['year', 'month', 'week', 'day']

/** A plan's quotas in Limitly's form: its longest quota, or nulls when it has none. */
export function requestPeriodOf(quotas: PlanQuotas): {
  max_requests: number | null
  request_period: RequestPeriod | null
} {
  for (const period of LONGEST_FIRST) {
    const limit = quotas[WINDOW_OF_PERIOD[period]]
    if (typeof limit === 'number') return { max_requests: limit, request_period: period }
  }
  return { max_requests: null, request_period: null }
}

/**
 * A plan with every Limitly field: `max_requests` and `request_period` always follow from its
 * quotas; a plan stored before these fields existed is active, without description or owner.
 */
export function withLimitlyFields(plan: Plan): Plan {
  const stored = plan as Partial<Plan> & Plan
  return {
    ...plan,
    description: stored.description ?? null,
    ...requestPeriodOf(plan.quotas),
    is_active: stored.is_active ?? true,
    owner_id: null,
  }
}
