// The camelCase fields Limitly's SDKs read from a key's usage and requests, beside keyguard's own.

import { QUOTA_WINDOWS, quotaPeriod, WINDOW_OF_PERIOD } from '../limits'
import type { LoadedKey } from '../store'
import type {
  KeyRequestPage,
  KeyUsage,
  RequestPage,
  RequestPeriod,
  RequestSdkDetail,
  Usage,
  UsageSdkFields,
} from '../types'

const iso = (ms: number): string => new Date(ms).toISOString()

/** Percent of `limit` used, two decimals; a zero limit is used up. */
export const percentOf = (used: number, limit: number): number =>
  limit === 0 ? 100 : Math.round((used / limit) * 10000) / 100

/**
 * The period of the window that `limit` and `current_usage` describe (the tightest one): its
 * calendar period, or the sub-buckets a rolling window spans; the key's whole life for the total
 * quota or no quota at all.
 */
function periodOf(loaded: LoadedKey, usage: Usage, nowMs: number): [number, number] {
  const name = WINDOW_OF_PERIOD[usage.period as RequestPeriod] as string | undefined
  const spec = QUOTA_WINDOWS.find((w) => w.name === name)
  if (spec === undefined) return [Date.parse(loaded.key.created_at), nowMs]
  return quotaPeriod(spec, loaded.limits.quota_window === 'calendar', nowMs)
}

function periodFields(
  loaded: LoadedKey,
  usage: Usage,
  nowMs: number,
): Omit<UsageSdkFields, 'percentageUsed' | 'limit' | 'planName' | 'isUnlimited'> {
  const [start, end] = periodOf(loaded, usage, nowMs)
  return {
    apiKeyId: loaded.key.id,
    apiKeyName: loaded.key.name,
    created_at: loaded.key.created_at,
    periodStart: iso(start),
    periodEnd: iso(end),
    totalRequests: Number(loaded.counters.tn ?? 0),
    requestsInPeriod: usage.current_usage,
  }
}

/** `GET /keys/:id/usage`: the usage, and Limitly's fields. */
export function withUsageSdkFields(
  loaded: LoadedKey,
  usage: Usage,
  nowMs: number,
  planName: string | null,
): KeyUsage {
  return {
    ...usage,
    ...periodFields(loaded, usage, nowMs),
    percentageUsed: usage.limit === null ? null : percentOf(usage.current_usage, usage.limit),
    limit: usage.limit,
    planName,
    isUnlimited: usage.limit === null,
  }
}

/** `GET /keys/:id/requests`: the page, and Limitly's fields; details are the page's requests in the period. */
export function withRequestsSdkFields(
  loaded: LoadedKey,
  usage: Usage,
  nowMs: number,
  page: RequestPage,
): KeyRequestPage {
  const fields = periodFields(loaded, usage, nowMs)
  const start = Date.parse(fields.periodStart)
  const details: RequestSdkDetail[] = page.requests
    .filter((r) => Date.parse(r.timestamp) >= start)
    .map((r) => ({
      api_key_id: loaded.key.id,
      created_at: r.timestamp,
      endpoint: r.endpoint,
      method: r.method,
      status_code: r.status_code,
      response_time_ms: r.duration_ms,
    }))
  return { ...page, ...fields, requestsInPeriodDetails: details }
}
