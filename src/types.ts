// The JSON shapes of keys, plans and usage: one representation for REST, CLI and TypeScript.

/** The token types (`kg_sk_…`, `kg_pat_…`, `kg_ct_…`); this file needs no other, so the dashboard shares it. */
export type TokenType = 'sk' | 'pat' | 'ct'

/** `revoked` is for good: set only by `revoke`, never changed again. */
export type KeyStatus = 'active' | 'inactive' | 'revoked'
export type QuotaWindow = 'rolling' | 'calendar'
export type RateScope = 'key' | 'user'

export interface RateLimits {
  /** Sustained requests per second. */
  per_second?: number | null
  /** Requests allowed at once above the sustained rate. Defaults to `per_second`. */
  burst?: number | null
  per_minute?: number | null
}

export interface Quotas {
  total?: number | null
  daily?: number | null
  weekly?: number | null
  monthly?: number | null
  /** 365 days rolling, or the UTC year with calendar windows. */
  yearly?: number | null
}

export type UserId = string | number

export interface ApiKey {
  id: string
  type: Exclude<TokenType, 'ct'>
  name: string
  user_id: UserId | null
  plan_id: string | null
  status: KeyStatus
  category: string | null
  scopes: string[]
  metadata: Record<string, unknown>
  expires_at: string | null
  quotas: Quotas
  rate: RateLimits
  created_at: string
  updated_at: string
  last_used_at: string | null
}

/** What `create` and `regenerate` return: the record plus the secret, shown this once. */
export type ApiKeyWithSecret = ApiKey & { api_key: string }

/** Limitly's request periods: each is one of keyguard's quota windows (day → daily, …, year → yearly). */
export type RequestPeriod = 'day' | 'week' | 'month' | 'year'

export interface Plan {
  id: string
  name: string
  rate: RateLimits
  quotas: Omit<Quotas, 'total'>
  quota_window: QuotaWindow
  rate_scope: RateScope
  /** Limitly's fields (see docs/admin-api.md, "Limitly compatibility"). */
  description: string | null
  /** The plan's longest quota, in Limitly's form; null with no quota. */
  max_requests: number | null
  request_period: RequestPeriod | null
  /** An inactive plan cannot be given to more keys; the keys on it keep working. */
  is_active: boolean
  /** Always null: keyguard has no owner accounts. */
  owner_id: null
  created_at: string
  updated_at: string
}

/**
 * `GET /plans/:id/usage` (Limitly's fields): the credits the plan's keys used in its request period
 * (with no quota: in all), and their share of the keys' limits in that window.
 */
export interface PlanUsage {
  plan_id: string
  plan_name: string
  max_requests: number | null
  request_period: RequestPeriod | null
  total_requests: number
  /** null for a plan without a quota; 0 for a plan without keys. */
  percentage_used: number | null
  users_count: number
  api_keys_count: number
  is_unlimited: boolean
}

/** `GET /plans/:id/keys`: the plan, and the keys whose limits come from it. */
export interface PlanKeys {
  plan: Plan
  api_keys: ApiKey[]
}

/** The limits the verification script enforces: the plan's, overridden field by field by the key's. */
export interface EffectiveLimits {
  per_second: number | null
  burst: number | null
  per_minute: number | null
  total: number | null
  daily: number | null
  weekly: number | null
  monthly: number | null
  yearly: number | null
  quota_window: QuotaWindow
  rate_scope: RateScope
}

export type WindowName = 'second' | 'minute' | 'total' | 'daily' | 'weekly' | 'monthly' | 'yearly'
/** In the order of the verification reply (window 1 is `second`, 7 is `yearly`). */
export const WINDOW_NAMES: readonly WindowName[] = [
  'second',
  'minute',
  'total',
  'daily',
  'weekly',
  'monthly',
  'yearly',
]

export interface UsageWindow {
  period: WindowName
  used: number
  limit: number
  remaining: number
  reset_time: string | null
}

export interface Usage {
  current_usage: number
  limit: number | null
  remaining: number | null
  reset_time: string | null
  period: string | null
  total_requests: number
  windows: UsageWindow[]
}

/** The fields Limitly's SDKs read from `GET /keys/:id/usage`, beside keyguard's own. */
export interface UsageSdkFields {
  apiKeyId: string
  apiKeyName: string
  created_at: string
  /** The period of the window that `limit` and `current_usage` describe (see docs/admin-api.md). */
  periodStart: string
  periodEnd: string
  /** Requests admitted since the key was created (a request counts 1, whatever its cost). */
  totalRequests: number
  /** What counts against `limit` in the period: credits, one per request unless a cost says more. */
  requestsInPeriod: number
  percentageUsed: number | null
  limit: number | null
  planName: string | null
  isUnlimited: boolean
}

/** `GET /keys/:id/usage`: keyguard's usage, and Limitly's camelCase fields. */
export type KeyUsage = Usage & UsageSdkFields

/** One entry of `requestsInPeriodDetails`, Limitly's shape of a logged request. */
export interface RequestSdkDetail {
  api_key_id: string
  created_at: string
  endpoint: string
  method: string
  status_code: number
  response_time_ms: number
}

/** `GET /keys/:id/requests`: the page of logged requests, and Limitly's camelCase fields. */
export type KeyRequestPage = RequestPage &
  Omit<UsageSdkFields, 'percentageUsed' | 'limit' | 'planName' | 'isUnlimited'> & {
    /** The logged requests of this page that fall in the period. */
    requestsInPeriodDetails: RequestSdkDetail[]
  }

export type RequestStatus = 'allowed' | 'rejected'

/** One logged request, as the guard records it after the response (never the token). */
export interface RequestLogEntry {
  key_id: string
  /** When the request reached the guard, ms since the epoch. */
  timestamp: number
  method: string
  /** The path, without the query string. */
  endpoint: string
  status: RequestStatus
  status_code: number
  /** The rejection's error code (e.g. `RATE_LIMITED`); null when allowed. */
  reason: string | null
  duration_ms: number
  ip_address: string | null
  /** Credits charged to the quotas: the cost when allowed, 0 when rejected. */
  credits: number
}

/** One entry of `GET /keys/:id/requests`. */
export interface RequestRecord {
  timestamp: string
  method: string
  endpoint: string
  status: RequestStatus
  status_code: number
  duration_ms: number
  ip_address: string | null
  credits: number
  reason?: string
}

export interface RequestPage {
  requests: RequestRecord[]
  /** Every logged request of the key still kept (within the count and age caps). */
  count: number
}

/** The buckets of `GET /keys/:id/series`: hours (the last 7 days) or days (the last 90). */
export type SeriesGranularity = 'hour' | 'day'

/** One bucket of a key's usage series: requests counted while it was the store's current one. */
export interface UsagePoint {
  /** The bucket's start, UTC, ISO 8601. */
  t: string
  allowed: number
  rejected: number
  /** Rejected requests by error code (`QUOTA_EXCEEDED`, `RATE_LIMITED`, …); codes with none are left out. */
  rejected_by: Record<string, number>
}

/** `GET /keys/:id/series`: every bucket of the period, oldest first, zeros included. */
export interface UsageSeries {
  key_id: string
  granularity: SeriesGranularity
  /** The oldest bucket's start. */
  from: string
  /** The end of the newest (current) bucket: `from` + points × bucket size. */
  to: string
  points: UsagePoint[]
}

/**
 * A user (Limitly's shape): the owner of keys. `user_id` is a number (assigned when none is given)
 * or a string id already used by keys; every key with this `user_id` belongs to the user.
 */
export interface User {
  user_id: UserId
  name: string
  email: string | null
  /** A disabled user's keys answer 401 INACTIVE_API_KEY from the next request on. */
  is_disabled: boolean
  /** The plan of every key of the user that has no plan of its own. */
  plan_id: string | null
  /** Start of the user's billing period (Limitly's `custom_start`), or null. */
  custom_start: string | null
  created_at: string
  updated_at: string
  /** The user's plan, in answers, when `plan_id` names one. */
  plan?: Plan
}

/** `GET /users/:id/usage`: the use of all the user's keys in the plan's period (Limitly's fields). */
export interface UserUsage {
  type: 'user'
  user_name: string
  current_usage: number
  limit: number | null
  percentage_used: number | null
  plan_name: string | null
  period_start: string | null
  period_end: string | null
  is_unlimited: boolean
  keys_count: number
}
