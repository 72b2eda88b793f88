// The JSON shapes the admin API answers (docs/admin-api.md), as this page reads them.

export type KeyStatus = 'active' | 'inactive' | 'revoked'
export type UserId = string | number

export interface RateLimits {
  per_second?: number | null
  burst?: number | null
  per_minute?: number | null
}

export interface Quotas {
  total?: number | null
  daily?: number | null
  weekly?: number | null
  monthly?: number | null
  yearly?: number | null
}

export interface ApiKey {
  id: string
  type: 'sk' | 'pat'
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

export type ApiKeyWithSecret = ApiKey & { api_key: string }

export interface Plan {
  id: string
  name: string
  rate: RateLimits
  quotas: Omit<Quotas, 'total'>
  quota_window: 'rolling' | 'calendar'
  rate_scope: 'key' | 'user'
  description: string | null
  max_requests: number | null
  request_period: string | null
  is_active: boolean
  created_at: string
  updated_at: string
}

export interface PlanUsage {
  plan_id: string
  plan_name: string
  max_requests: number | null
  request_period: string | null
  total_requests: number
  percentage_used: number | null
  users_count: number
  api_keys_count: number
  is_unlimited: boolean
}

export interface User {
  user_id: UserId
  name: string
  email: string | null
  is_disabled: boolean
  plan_id: string | null
  custom_start: string | null
  created_at: string
  updated_at: string
  plan?: Plan
}

export interface UserUsage {
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

export interface UsageWindow {
  period: string
  used: number
  limit: number
  remaining: number
  reset_time: string | null
}

export interface KeyUsage {
  current_usage: number
  limit: number | null
  remaining: number | null
  reset_time: string | null
  period: string | null
  total_requests: number
  windows: UsageWindow[]
  totalRequests?: number
}

export interface RequestRecord {
  timestamp: string
  method: string
  endpoint: string
  status: 'allowed' | 'rejected'
  status_code: number
  duration_ms: number
  ip_address: string | null
  credits: number
  reason?: string
}

export interface RequestPage {
  requests: RequestRecord[]
  count: number
}

export type Granularity = 'hour' | 'day'

export interface SeriesPoint {
  /** The bucket's start: ISO 8601, or ms (or s) since the epoch. */
  t: string | number
  allowed: number
  rejected: number
  rejected_by: Record<string, number>
}

export interface KeySeries {
  key_id: string
  granularity: Granularity
  from: string | number
  to: string | number
  points: SeriesPoint[]
}

export interface AuditRecord {
  id: string
  time: string
  action: string
  actor: string
  target: { type: string; id: string }
  changes: Record<string, { from: unknown; to: unknown }>
  ip: string | null
}

export interface IpBlock {
  ip: string
  blocked_until: string
}

/** `{data, count, page, limit}`: a page of a list. */
export interface Page<T> {
  data: T[]
  count: number
  page?: number
  limit?: number
}

export interface Data<T> {
  data: T
}
