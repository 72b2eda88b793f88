// The answers of POST /keys/:id/credits and POST /validate as zod schemas, for the OpenAPI document.

import { z } from 'zod'
import type { CreditsBalance, ValidationDetails } from '../keys'
import { apiKeySchema } from './answer-schemas'

const time = z.iso.datetime()

export const creditsBalanceSchema = z.object({
  op: z.enum(['set', 'increment', 'decrement']),
  amount: z.number().int(),
  used: z.number().int().meta({ description: 'Credits spent so far (the total quota counter).' }),
  limit: z.number().int().meta({ description: 'The total quota now: used + remaining.' }),
  remaining: z.number().int().meta({ description: 'Credits left after the change.' }),
  remaining_before: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Credits left just before the change; null when the key had no limit.' }),
})

export const creditsAnswerSchema = z.object({ data: apiKeySchema, credits: creditsBalanceSchema })

const period = z.string().nullable()

export const validationDetailsSchema = z.object({
  current_usage: z.number().int().nullable(),
  limit: z.number().int().nullable(),
  plan_name: z.string().nullable(),
  period_start: time.nullable(),
  period_end: time.nullable(),
  period,
  remaining: z.number().int().nullable(),
  reset_time: time.nullable(),
  key_id: z.string(),
  windows: z.array(
    z.object({
      period: z.string(),
      used: z.number().int(),
      limit: z.number().int(),
      remaining: z.number().int(),
      reset_time: time.nullable(),
    }),
  ),
})

export const validateAnswerSchema = z.object({
  success: z.literal(true),
  details: validationDetailsSchema,
})

/** `true` only when A and B are the same type: a schema that drifts from the code fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const checks: Array<true> = [
  true satisfies Same<z.output<typeof creditsBalanceSchema>, CreditsBalance>,
  true satisfies Same<z.output<typeof validationDetailsSchema>, ValidationDetails>,
]
void checks
