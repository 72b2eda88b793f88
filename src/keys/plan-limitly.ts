// A plan body's Limitly fields (max_requests per request_period) applied to its quotas, keyguard's form.

import { validationError } from '../errors'
import { requestPeriodOf, WINDOW_OF_PERIOD } from '../limits'
import type { Plan, RequestPeriod } from '../types'

type PlanQuotas = Plan['quotas']

interface LimitlyInput {
  max_requests?: number | null
  request_period?: RequestPeriod | null
  quotas?: PlanQuotas
}

/**
 * The quotas after a body's `max_requests` / `request_period`, on top of `quotas` (the body's own
 * quotas merged already). The plan's Limitly quota is its longest one (`before`: the quotas before
 * this write, or null on create): a new `request_period` moves it to that window, a new
 * `max_requests` changes it in place, and null for either removes it.
 */
export function applyRequestPeriod(
  quotas: PlanQuotas,
  before: PlanQuotas | null,
  body: LimitlyInput,
): PlanQuotas {
  const { max_requests: max, request_period: period } = body
  if (max === undefined && period === undefined) return quotas
  const current = requestPeriodOf(before ?? {})
  const out: PlanQuotas = { ...quotas }
  if (max === null || period === null) {
    if (current.request_period !== null) out[WINDOW_OF_PERIOD[current.request_period]] = null
    return out
  }
  const target = period ?? current.request_period
  const limit = max ?? current.max_requests
  const reason = before === null ? '' : ' (the plan has no quota yet)'
  if (target === null) {
    throw validationError(
      'request_period',
      `is required with max_requests${reason}: "day", "week", "month" or "year"`,
    )
  }
  if (limit === null) {
    throw validationError('max_requests', `is required with request_period${reason}`)
  }
  if (
    period !== undefined &&
    current.request_period !== null &&
    current.request_period !== target
  ) {
    // The quota moves to the new period's window.
    out[WINDOW_OF_PERIOD[current.request_period]] = null
  }
  const window = WINDOW_OF_PERIOD[target]
  const given = body.quotas?.[window]
  if (given !== undefined && given !== limit) {
    throw validationError(
      'max_requests',
      `disagrees with quotas.${window} (${given}): send one of max_requests and quotas.${window}`,
    )
  }
  out[window] = limit
  return out
}
