// Guard options: schema, defaults, validated once when a guard (of any framework) is created.

import type { NextFunction, Request, Response } from 'express'
import { z } from 'zod'
import type { IpBlockOptions } from '../ip-block'
import type { RequestLogOptions } from '../request-log'
import type { Store } from '../store'
import { isLogger, type Logger, type VerdictEvent } from '../telemetry'
import type { TokenType } from '../token'
import { validateOptions } from '../validation'
import type { Refusal } from './refusal'

/** The options every guard takes, whatever the framework; `R` is its request type. */
export interface GuardOptions<R> {
  /** Where keys and counters live. Defaults to a RedisStore on `REDIS_URL`, else the shared MemoryStore. */
  store?: Store
  /** Scopes a token must carry for this route (`*` and `prefix:*` grant by wildcard). Defaults to none. */
  scopes?: string[]
  /** Credits charged to the quotas: a number or `req => number`. Defaults to 1. */
  cost?: number | ((req: R) => number)
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
  /**
   * Look up tokens not in keyguard's format (8 to 256 printable ASCII characters), as imported keys
   * (`POST /keys/import`) are: one store call each, under an id derived from the token's SHA-256.
   * `false` refuses them with no store call, as malformed tokens are. Defaults to true.
   */
  importedKeys?: boolean
  /** Token types this route accepts; others get 403 INSUFFICIENT_SCOPE. Defaults to `['sk', 'pat', 'ct']`. */
  tokenTypes?: TokenType[]
  /** Requests for which the guard does nothing (health checks, say): `req => boolean` or a promise of one. Defaults to none skipped. */
  skip?: (req: R) => boolean | Promise<boolean>
  /** Where the token is read from: `req => token or null`. Defaults to `Authorization: Bearer <token>`, then `X-API-Key`. */
  getToken?: (req: R) => string | null | undefined | Promise<string | null | undefined>
  /** A pino-compatible logger for store errors, fail-open admissions and lost data. Defaults to none: keyguard never writes to the console on its own. */
  logger?: Logger
  /** Called after each verification with its outcome, code, key id and latency (a throw is ignored). Defaults to none. */
  onVerdict?: (event: VerdictEvent) => void
}

/** apiKeyGuard's options: the common ones, for Express. */
export interface ApiKeyGuardOptions extends GuardOptions<Request> {
  /**
   * Answers a refusal instead of the guard; its headers (RateLimit, Retry-After) are already set.
   * Defaults to sending `refusal.status` with `refusal.body` as JSON.
   */
  handler?: (req: Request, res: Response, next: NextFunction, refusal: Refusal) => unknown
}

// biome-ignore lint/suspicious/noExplicitAny: each framework's guard narrows the request type.
type AnyFunction = (...args: any[]) => any

const wholeNumber = (unit: string) =>
  z.number({ error: `must be a whole number of ${unit}` }).int(`must be a whole number of ${unit}`)

const fn = (name: string, shape: string) =>
  z.custom<AnyFunction>((v) => typeof v === 'function', `${name} must be a function ${shape}`)

const costSchema = z.union(
  [
    z.number().int('must be a whole number of credits').min(0, 'must be 0 or more'),
    z.custom<AnyFunction>((v) => typeof v === 'function', 'must be a number or a function'),
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
    .union(
      [
        z.literal(false),
        z.strictObject({
          failures: wholeNumber('failed authentications').min(1, 'must be 1 or more').optional(),
          window: wholeNumber('seconds').min(1, 'must be 1 second or more').optional(),
          block: wholeNumber('seconds').min(1, 'must be 1 second or more').optional(),
          recheck: wholeNumber('seconds').min(1, 'must be 1 second or more').optional(),
        }),
      ],
      { error: 'must be false, or an object { failures?, window?, block?, recheck? }' },
    )
    .default({}),
  tokenTypes: z
    .array(z.enum(['sk', 'pat', 'ct'], { error: 'token types are "sk", "pat" and "ct"' }))
    .min(1, 'name at least one token type')
    .default(['sk', 'pat', 'ct']),
  skip: fn('skip', 'req => boolean').optional(),
  getToken: fn('getToken', 'req => string | null').optional(),
  handler: fn('handler', '(req, res, next, refusal) => void').optional(),
  onVerdict: fn('onVerdict', 'event => void').optional(),
  logger: z
    .custom<Logger>(isLogger, 'must be a logger with error() and warn() (pino, or console)')
    .optional(),
  storeRetryAfter: z
    .number()
    .int('must be a whole number of seconds')
    .positive('must be 1 second or more')
    .default(1),
  legacyHeaders: z.boolean().default(false),
  importedKeys: z.boolean({ error: 'must be true or false' }).default(true),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits, like "kg"')
    .default('kg'),
  requestLog: z
    .union(
      [
        z.boolean(),
        z.strictObject({
          batchSize: wholeNumber('entries')
            .min(1, 'must be 1 or more')
            .max(10000, 'must be 10000 or less')
            .optional(),
          flushIntervalMs: wholeNumber('ms')
            .min(1, 'must be 1 ms or more')
            .max(3600000, 'must be 3600000 ms (an hour) or less')
            .optional(),
        }),
      ],
      { error: 'must be true, false, or an object { batchSize?, flushIntervalMs? }' },
    )
    .default(true),
})

export type ResolvedGuardOptions = z.infer<typeof guardOptionsSchema>

/** Validates a guard's options once; `what` names the guard in errors (`apiKeyGuard`, `keyguardFastify`, …). */
export function resolveGuardOptions<R>(
  input: GuardOptions<R> | undefined,
  what = 'apiKeyGuard',
): ResolvedGuardOptions {
  return validateOptions(what, guardOptionsSchema, input)
}
