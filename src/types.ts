// The JSON shapes of keys, plans and usage: one representation for REST, CLI and TypeScript.

import type { TokenType } from './token'

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

export interface Plan {
  id: string
  name: string
  rate: RateLimits
  quotas: Omit<Quotas, 'total'>
  quota_window: QuotaWindow
  rate_scope: RateScope
  created_at: string
  updated_at: string
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
  quota_window: QuotaWindow
  rate_scope: RateScope
}

export type WindowName = 'second' | 'minute' | 'total' | 'daily' | 'weekly' | 'monthly'
export const WINDOW_NAMES: readonly WindowName[] = [
  'second',
  'minute',
  'total',
  'daily',
  'weekly',
  'monthly',
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
