// The JSON shapes the admin API answers (docs/admin-api.md), as this page reads them.

export type { AuditRecord } from '../../src/store/audit-records'
// One source for the shapes: the package's own (src/types.ts and the audit records import nothing else).
export type {
  ApiKey,
  ApiKeyWithSecret,
  KeyStatus,
  KeyUsage,
  Plan,
  PlanUsage,
  Quotas,
  RateLimits,
  RequestPage,
  RequestRecord,
  SeriesGranularity as Granularity,
  UsagePoint as SeriesPoint,
  UsageSeries as KeySeries,
  UsageWindow,
  User,
  UserId,
  UserUsage,
} from '../../src/types'

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
