// The users routes' answers as zod schemas, for the OpenAPI document; type checks keep them equal to types.ts.

import { z } from 'zod'
import type { User, UserUsage } from '../types'
import { apiKeySchema, planSchema } from './answer-schemas'

const time = z.iso.datetime()

export const userSchema = z.object({
  user_id: z
    .union([z.number().int(), z.string()])
    .meta({ description: 'A whole number (Limitly), or a string id already used by keys.' }),
  name: z.string(),
  email: z.string().nullable(),
  is_disabled: z
    .boolean()
    .meta({ description: "A disabled user's keys answer 401 INACTIVE_API_KEY." }),
  plan_id: z
    .string()
    .nullable()
    .meta({ description: 'The plan of the keys of the user that have none of their own.' }),
  custom_start: time.nullable(),
  created_at: time,
  updated_at: time,
  plan: planSchema.optional().meta({ description: 'The plan named by `plan_id`.' }),
})

export const userUsageSchema = z.object({
  type: z.literal('user'),
  user_name: z.string(),
  current_usage: z.number().int(),
  limit: z.number().nullable(),
  percentage_used: z.number().nullable(),
  plan_name: z.string().nullable(),
  period_start: time.nullable(),
  period_end: time.nullable(),
  is_unlimited: z.boolean(),
  keys_count: z.number().int(),
})

export const userAnswers: Record<string, z.ZodType> = {
  User: userSchema,
  UserAnswer: z.object({ data: userSchema }),
  UserList: z.object({ data: z.array(userSchema), count: z.number().int() }),
  UserKeyList: z.object({ data: z.array(apiKeySchema), count: z.number().int() }),
  UserUsageAnswer: z.object({ data: userUsageSchema }),
  PlanUsersAnswer: z.object({ data: z.object({ plan: planSchema, users: z.array(userSchema) }) }),
}

/** `true` only when A and B are the same type: a schema that drifts from types.ts fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const checks: Array<true> = [
  true satisfies Same<z.output<typeof userSchema>, User>,
  true satisfies Same<z.output<typeof userUsageSchema>, UserUsage>,
]
void checks
