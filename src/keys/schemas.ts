// Input schemas for keys and plans, shared by KeyManager, the REST API and the CLI.

import { z } from 'zod'

const count = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(1e12)
const rate = z.number().int('must be a whole number').min(1, 'must be 1 or more').max(1e6)
const scope = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:*-]+$/, 'scopes are letters, digits and _ . : * - (e.g. "keys:read")')

export const rateSchema = z.strictObject({
  per_second: rate.nullable().optional(),
  burst: rate.nullable().optional(),
  per_minute: rate.nullable().optional(),
})

export const quotasSchema = z.strictObject({
  total: count.nullable().optional(),
  daily: count.nullable().optional(),
  weekly: count.nullable().optional(),
  monthly: count.nullable().optional(),
  yearly: count.nullable().optional(),
})

/** Metadata is stored on the key's record: keep it small and shallow (checked without recursion). */
function shallowEnough(value: Record<string, unknown>): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  let size = 0
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (depth > 16) return false
    if (typeof node === 'string') size += node.length
    else size += 8
    if (size > 8192) return false
    if (node !== null && typeof node === 'object') {
      for (const child of Object.values(node)) stack.push([child, depth + 1])
    }
  }
  return true
}

const isoDate = z
  .string()
  .refine(
    (s) => !Number.isNaN(Date.parse(s)),
    'must be an ISO 8601 date, e.g. 2030-01-01T00:00:00Z',
  )

/** Limitly's message for a missing or empty name. */
const requiredName = z
  .string({
    error: (issue) => (issue.input === undefined ? 'Name is required' : 'must be a string'),
  })
  .trim()
  .min(1, 'Name is required')
  .max(200)

const keyFields = {
  name: requiredName,
  plan_id: z.string().min(1).max(100).nullable().optional(),
  status: z
    .enum(['active', 'inactive'], {
      error: 'must be "active" or "inactive" (to revoke a key for good: POST /keys/:id/revoke)',
    })
    .optional(),
  category: z.string().max(100).nullable().optional(),
  scopes: z.array(scope).max(100).optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine(shallowEnough, 'metadata may nest at most 16 levels and hold at most 8 KB of JSON')
    .optional(),
  expires_at: isoDate.nullable().optional(),
  quotas: quotasSchema.optional(),
  rate: rateSchema.optional(),
}

export const keyCreateSchema = z.strictObject({
  ...keyFields,
  user_id: z
    .union([z.string().min(1).max(200), z.number().int()])
    .nullable()
    .optional(),
  type: z.enum(['sk', 'pat'], { error: 'must be "sk" or "pat"' }).optional(),
})

/** `user_id` on update (Limitly's SDK sends it) must be the key's own: a key never changes user. */
export const keyUpdateSchema = z.strictObject({
  ...keyFields,
  name: keyFields.name.optional(),
  user_id: z
    .union([z.string().min(1).max(200), z.number().int()])
    .nullable()
    .optional(),
})

const planId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'plan ids are letters, digits and _ . -')

const planFields = {
  name: requiredName,
  rate: rateSchema.optional(),
  quotas: quotasSchema.omit({ total: true }).optional(),
  quota_window: z
    .enum(['rolling', 'calendar'], { error: 'must be "rolling" or "calendar"' })
    .optional(),
  rate_scope: z.enum(['key', 'user'], { error: 'must be "key" or "user"' }).optional(),
  // Limitly's fields: max_requests per request_period is one of the quotas (see plan-limitly.ts).
  description: z.string().max(2000).nullable().optional(),
  max_requests: z
    .number({ error: 'must be a number (null: no limit)' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more (null: no limit)')
    .max(1e12)
    .nullable()
    .optional(),
  request_period: z
    .enum(['day', 'week', 'month', 'year'], {
      error: 'must be "day", "week", "month" or "year"',
    })
    .nullable()
    .optional(),
  is_active: z.boolean({ error: 'must be true or false' }).optional(),
}

export const planCreateSchema = z.strictObject({ id: planId.optional(), ...planFields })
export const planUpdateSchema = z.strictObject({ ...planFields, name: planFields.name.optional() })

export const regenerateSchema = z.strictObject({
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .optional(),
})

/** `page` (from 1) and `limit` (10 by default, at most 100), as Limitly paginates. */
export const pageQuerySchema = z.object({
  page: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').default(1),
  limit: z.coerce.number().int('must be a whole number').min(1).max(100, 'max 100').default(10),
})

export const listQuerySchema = pageQuerySchema.extend({
  status: z.enum(['active', 'inactive', 'revoked']).optional(),
  category: z.string().optional(),
  user_id: z.string().optional(),
  plan_id: z.string().optional(),
})

export type KeyCreateInput = z.input<typeof keyCreateSchema>
export type KeyUpdateInput = z.input<typeof keyUpdateSchema>
export type PlanCreateInput = z.input<typeof planCreateSchema>
export type PlanUpdateInput = z.input<typeof planUpdateSchema>
export type ListQuery = z.input<typeof listQuerySchema>
export type PageQuery = z.input<typeof pageQuerySchema>

export const clientTokenSchema = z
  .strictObject({
    key_id: z.string().min(1).max(100).optional(),
    user_id: z.union([z.string().min(1).max(200), z.number().int()]).optional(),
    ttl_seconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1, 'must be 1 or more')
      .optional(),
    scopes: z.array(scope).max(100).optional(),
  })
  .refine((body) => body.key_id !== undefined || body.user_id !== undefined, {
    message: 'key_id or user_id is required',
    path: ['key_id'],
  })

export type ClientTokenInput = z.input<typeof clientTokenSchema>
