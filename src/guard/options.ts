// apiKeyGuard options: schema, defaults, validated once when the middleware is created.

import type { Request } from 'express'
import { z } from 'zod'
import type { IpBlockOptions } from '../ip-block'
import type { RequestLogOptions } from '../request-log'
import type { Store } from '../store'
import type { TokenType } from '../token'
import { validateOptions } from '../validation'

export interface ApiKeyGuardOptions {
  /** Where keys and counters live. Defaults to a RedisStore on `REDIS_URL`, else the shared MemoryStore. */
  store?: Store
  /** Scopes a token must carry for this route (`*` and `prefix:*` grant by wildcard). Defaults to none. */
  scopes?: string[]
  /** Credits charged to the quotas: a number or `req => number`. Defaults to 1. */
  cost?: number | ((req: Request) => number)
  /** Status for QUOTA_EXCEEDED: 401 (Limitly) or 429 (API gateways). Defaults to 401. */
  quotaExceededStatus?: 401 | 429
  /** When the store fails or times out: answer 503 (`fail-closed`) or let requests through (`fail-open`). Defaults to `fail-closed`. */
  onStoreError?: 'fail-closed' | 'fail-open'
  /** Upper bound on the store call, in ms. Defaults to 500. */
  timeout?: number
  /** Retry-After seconds sent with 503 STORE_UNAVAILABLE. Defaults to 1. */
  storeRetryAfter?: number
  /** Also send X-RateLimit-Limit/Remaining/Reset. Defaults to false. */
  legacyHeaders?: boolean
  /** Token prefix, the `kg` of `kg_sk_…`. Defaults to `kg`. */
  prefix?: string
  /** Log each request of a known key after its response, in batches; `false` turns it off. Defaults to true. */
  requestLog?: boolean | RequestLogOptions
  /** Block an IP (IPv6: its /64) after failed authentications; `false` turns it off. Defaults to 20 failures in 600 s, then a 900 s block. */
  ipBlock?: false | IpBlockOptions
  /** Token types this route accepts; others get 403 INSUFFICIENT_SCOPE. Defaults to `['sk', 'pat', 'ct']`. */
  tokenTypes?: TokenType[]
}

const costSchema = z.union(
  [
    z.number().int('must be a whole number of credits').min(0, 'must be 0 or more'),
    z.custom<(req: Request) => number>(
      (v) => typeof v === 'function',
      'must be a number or a function',
    ),
  ],
  { error: 'must be a whole number of credits >= 0, or a function req => number' },
)

export const guardOptionsSchema = z.strictObject({
  store: z
    .custom<Store>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Store).verify === 'function',
      'must be a Store (new RedisStore(...) or new MemoryStore())',
    )
    .optional(),
  scopes: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^,\s]+$/, 'scopes cannot contain commas or spaces'),
    )
    .default([]),
  cost: costSchema.default(1),
  quotaExceededStatus: z
    .union([z.literal(401), z.literal(429)], { error: 'must be 401 or 429' })
    .default(401),
  onStoreError: z
    .enum(['fail-closed', 'fail-open'], { error: 'must be "fail-closed" or "fail-open"' })
    .default('fail-closed'),
  timeout: z.number().int().positive('must be a positive number of ms').default(500),
  ipBlock: z
    .union([
      z.literal(false),
      z.strictObject({
        failures: z.number().int().min(1, 'must be 1 or more').optional(),
        window: z.number().int().min(1, 'must be 1 second or more').optional(),
        block: z.number().int().min(1, 'must be 1 second or more').optional(),
        recheck: z.number().int().min(1, 'must be 1 second or more').optional(),
      }),
    ])
    .default({}),
  tokenTypes: z
    .array(z.enum(['sk', 'pat', 'ct'], { error: 'token types are "sk", "pat" and "ct"' }))
    .min(1, 'name at least one token type')
    .default(['sk', 'pat', 'ct']),
  storeRetryAfter: z
    .number()
    .int('must be a whole number of seconds')
    .positive('must be 1 second or more')
    .default(1),
  legacyHeaders: z.boolean().default(false),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits, like "kg"')
    .default('kg'),
  requestLog: z
    .union([
      z.boolean(),
      z.strictObject({
        batchSize: z.number().int().min(1, 'must be 1 or more').max(10000).optional(),
        flushIntervalMs: z.number().int().min(1, 'must be 1 ms or more').max(3600000).optional(),
      }),
    ])
    .default(true),
})

export type ResolvedGuardOptions = z.infer<typeof guardOptionsSchema>

export function resolveGuardOptions(input: ApiKeyGuardOptions | undefined): ResolvedGuardOptions {
  return validateOptions('apiKeyGuard', guardOptionsSchema, input)
}
