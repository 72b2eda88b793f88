// The admin API's answers as zod schemas, for its OpenAPI document; the type checks below keep them equal to types.ts.

import { z } from 'zod'
import type { AuditRecord } from '../audit'
import type { IpBlock } from '../ip-block'
import { type ClientToken, quotasSchema, rateSchema } from '../keys'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../store'
import type { ApiKey, Plan, RequestPage, Usage } from '../types'

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
  created_at: time,
  updated_at: time,
})

const windowName = z.enum(['second', 'minute', 'total', 'daily', 'weekly', 'monthly'])

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

export const ipBlockSchema = z.object({ ip: z.string(), blocked_until: time })

export const messageSchema = z.object({ message: z.string() })

export const errorSchema = z.object({
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
  true satisfies Same<z.output<typeof usageSchema>, Usage>,
  true satisfies Same<z.output<typeof requestPageSchema>, RequestPage>,
  true satisfies Same<z.output<typeof clientTokenSchema>, ClientToken>,
  true satisfies Same<z.output<typeof auditRecordSchema>, AuditRecord>,
  true satisfies Same<z.output<typeof ipBlockSchema>, IpBlock>,
]
void checks
