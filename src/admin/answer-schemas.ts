// The admin API's answers as zod schemas, for its OpenAPI document; the type checks below keep them equal to types.ts.

import { z } from 'zod'
import type { AuditRecord } from '../audit'
import type { IpBlock } from '../ip-block'
import { type ClientToken, type ImportReport, quotasSchema, rateSchema } from '../keys'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../store'
import type {
  ApiKey,
  KeyRequestPage,
  KeyUsage,
  Plan,
  PlanKeys,
  PlanUsage,
  UsageSeries,
} from '../types'

const time = z.iso.datetime()
const userId = z.union([z.string(), z.number().int()]).nullable()

export const apiKeySchema = z.object({
  id: z.string(),
  type: z.enum(['sk', 'pat']),
  name: z.string(),
  user_id: userId,
  plan_id: z.string().nullable(),
  status: z.enum(['active', 'inactive', 'revoked']),
  category: z.string().nullable(),
  scopes: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  expires_at: time.nullable(),
  quotas: quotasSchema,
  rate: rateSchema,
  created_at: time,
  updated_at: time,
  last_used_at: time.nullable(),
})

export const apiKeyWithSecretSchema = apiKeySchema.extend({
  api_key: z.string().meta({ description: 'The secret token, shown in this answer only.' }),
})

export const planSchema = z.object({
  id: z.string(),
  name: z.string(),
  rate: rateSchema,
  quotas: quotasSchema.omit({ total: true }),
  quota_window: z.enum(['rolling', 'calendar']),
  rate_scope: z.enum(['key', 'user']),
  description: z.string().nullable(),
  max_requests: z
    .number()
    .nullable()
    .meta({ description: "Limitly's form of the plan's longest quota (null: none)." }),
  request_period: z.enum(['day', 'week', 'month', 'year']).nullable(),
  is_active: z
    .boolean()
    .meta({ description: 'An inactive plan cannot be given to more keys; its keys keep working.' }),
  owner_id: z.null().meta({ description: 'Always null: keyguard has no owner accounts.' }),
  created_at: time,
  updated_at: time,
})

export const planUsageSchema = z.object({
  plan_id: z.string(),
  plan_name: z.string(),
  max_requests: z.number().nullable(),
  request_period: z.enum(['day', 'week', 'month', 'year']).nullable(),
  total_requests: z.number().meta({
    description:
      "Credits the plan's keys used in its request period (with no quota: in all), one per request unless a cost says more.",
  }),
  percentage_used: z.number().nullable().meta({
    description:
      "Of the sum of the keys' limits in the period; null with no quota, 0 with no keys.",
  }),
  users_count: z.number().int(),
  api_keys_count: z.number().int(),
  is_unlimited: z.boolean(),
})

export const planKeysSchema = z.object({
  plan: planSchema,
  api_keys: z.array(apiKeySchema).meta({
    description: "Keys that name the plan, and plan-less keys of the plan's users; newest first.",
  }),
})

const windowName = z.enum(['second', 'minute', 'total', 'daily', 'weekly', 'monthly', 'yearly'])

/** Limitly's camelCase fields of a key's usage and requests. */
const sdkPeriodFields = {
  apiKeyId: z.string(),
  apiKeyName: z.string(),
  created_at: time,
  periodStart: time,
  periodEnd: time,
  totalRequests: z.number().int().meta({
    description: 'Requests admitted since the key was created, 1 each whatever the cost.',
  }),
  requestsInPeriod: z
    .number()
    .meta({ description: 'What counts against the limit in the period (credits).' }),
}

export const usageSchema = z.object({
  current_usage: z.number(),
  limit: z.number().nullable(),
  remaining: z.number().nullable(),
  reset_time: time.nullable(),
  period: z.string().nullable(),
  total_requests: z.number(),
  windows: z.array(
    z.object({
      period: windowName,
      used: z.number(),
      limit: z.number(),
      remaining: z.number(),
      reset_time: time.nullable(),
    }),
  ),
  ...sdkPeriodFields,
  percentageUsed: z.number().nullable(),
  planName: z.string().nullable(),
  isUnlimited: z.boolean(),
})

export const requestPageSchema = z.object({
  requests: z.array(
    z.object({
      timestamp: time,
      method: z.string(),
      endpoint: z.string(),
      status: z.enum(['allowed', 'rejected']),
      status_code: z.number().int(),
      duration_ms: z.number(),
      ip_address: z.string().nullable(),
      credits: z.number(),
      reason: z.string().optional(),
    }),
  ),
  count: z.number().int(),
  ...sdkPeriodFields,
  requestsInPeriodDetails: z.array(
    z.object({
      api_key_id: z.string(),
      created_at: time,
      endpoint: z.string(),
      method: z.string(),
      status_code: z.number().int(),
      response_time_ms: z.number(),
    }),
  ),
})

export const usageSeriesSchema = z.object({
  key_id: z.string(),
  granularity: z.enum(['hour', 'day']),
  from: time.meta({ description: "The oldest bucket's start." }),
  to: time.meta({ description: 'The end of the newest (current) bucket.' }),
  points: z.array(
    z.object({
      t: time.meta({ description: "The bucket's start (UTC)." }),
      allowed: z.number().int(),
      rejected: z.number().int(),
      rejected_by: z.record(z.string(), z.number().int()).meta({
        description:
          'Rejected requests by error code, e.g. `{"QUOTA_EXCEEDED": 3}`; codes with none are left out.',
      }),
    }),
  ),
})

export const clientTokenSchema = z.object({
  token: z.string(),
  expires_at: time,
  key_id: z.string(),
  user_id: userId,
  scopes: z.array(z.string()),
})

export const auditRecordSchema = z.object({
  id: z.string(),
  time,
  action: z.enum(AUDIT_ACTIONS),
  actor: z.string(),
  target: z.object({ type: z.enum(AUDIT_TARGET_TYPES), id: z.string() }),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  ip: z.string().nullable(),
})

export const importReportSchema = z.object({
  created: z.number().int(),
  skipped: z.number().int().meta({ description: 'Rows whose key exists already.' }),
  errors: z.array(
    z.object({
      line: z.number().int().meta({ description: "The row's line (1-based; a body's index + 1)." }),
      field: z.string().optional(),
      message: z.string(),
    }),
  ),
})

export const ipBlockSchema = z.object({ ip: z.string(), blocked_until: time })

export const messageSchema = z.object({ message: z.string() })

export const errorSchema = z.object({
  success: z
    .literal(false)
    .optional()
    .meta({ description: 'On `POST /validate` only, as Limitly answers.' }),
  error: z.string().meta({ description: 'What went wrong, for people.' }),
  code: z.string().meta({ description: 'What went wrong, for programs (see the error table).' }),
  details: z
    .unknown()
    .optional()
    .meta({ description: 'e.g. `{field, message, issues}` for VALIDATION_ERROR.' }),
})

/** `true` only when A and B are the same type: a schema that drifts from types.ts fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const checks: Array<true> = [
  true satisfies Same<z.output<typeof apiKeySchema>, ApiKey>,
  true satisfies Same<z.output<typeof planSchema>, Plan>,
  true satisfies Same<z.output<typeof planUsageSchema>, PlanUsage>,
  true satisfies Same<z.output<typeof planKeysSchema>, PlanKeys>,
  true satisfies Same<z.output<typeof usageSchema>, KeyUsage>,
  true satisfies Same<z.output<typeof requestPageSchema>, KeyRequestPage>,
  true satisfies Same<z.output<typeof usageSeriesSchema>, UsageSeries>,
  true satisfies Same<z.output<typeof clientTokenSchema>, ClientToken>,
  true satisfies Same<z.output<typeof auditRecordSchema>, AuditRecord>,
  true satisfies Same<z.output<typeof ipBlockSchema>, IpBlock>,
  true satisfies Same<z.output<typeof importReportSchema>, ImportReport>,
]
void checks
