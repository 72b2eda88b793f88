// adminRouter options: schema, defaults, validated once when the router is created.

import { z } from 'zod'
import type { ApiKeyGuardOptions } from '../guard'
import type { Store } from '../store'
import { isLogger, type Logger } from '../telemetry'
import { validateOptions } from '../validation'

export interface AdminRouterOptions {
  /** Where keys and plans live. Defaults to a RedisStore on `REDIS_URL`, else the shared MemoryStore. */
  store?: Store
  /** Token prefix, the `kg` of `kg_sk_…`, for the keys this API creates and accepts. Defaults to `kg`. */
  prefix?: string
  /** Scopes a token needs to use this API. Defaults to `["admin"]`. */
  scopes?: string[]
  /** More options for the router's own apiKeyGuard (e.g. `timeout`, `requestLog`); it always fails closed. */
  guard?: Omit<ApiKeyGuardOptions, 'store' | 'scopes' | 'prefix'>
  /** Largest accepted JSON body, as for `express.json()`. Defaults to `"100kb"`. */
  bodyLimit?: string | number
  /** Called with an unexpected error before the router answers 500, and with a failed audit write. Defaults to `logger.error`. */
  onError?: (error: unknown) => void
  /** A pino-compatible logger for unexpected errors and for the router's guard. Defaults to none: nothing is written to the console. */
  logger?: Logger
  /**
   * `GET /openapi.json`: `"public"` (no token: it describes the API and holds no data), `"admin"`
   * (behind the admin token like every other route) or `"off"`. Defaults to `"public"`.
   */
  openapi?: 'public' | 'admin' | 'off'
  /**
   * Serve the web dashboard under `<admin>/ui` (static files with a strict Content-Security-Policy,
   * no token needed for them; the dashboard signs in with an admin token). Defaults to false.
   */
  dashboard?: boolean
}

export const adminOptionsSchema = z.strictObject({
  store: z
    .custom<Store>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Store).verify === 'function',
      'must be a Store (new RedisStore(...) or new MemoryStore())',
    )
    .optional(),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits, like "kg"')
    .default('kg'),
  scopes: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^,\s]+$/, 'scopes cannot contain commas or spaces'),
    )
    .default(['admin']),
  guard: z
    .custom<Omit<ApiKeyGuardOptions, 'store' | 'scopes' | 'prefix'>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'must be an object of apiKeyGuard options',
    )
    // A store outage must never open the admin API (nor let anyone mint client tokens).
    .refine(
      (v) => v?.onStoreError !== 'fail-open',
      'the admin API always fails closed: remove guard.onStoreError "fail-open"',
    )
    .default({}),
  bodyLimit: z
    .union([z.string().min(1), z.number().int().positive()], {
      error: 'must be a size like "100kb" or a number of bytes',
    })
    .default('100kb'),
  onError: z
    .custom<(error: unknown) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  logger: z
    .custom<Logger>(isLogger, 'must be a logger with error() and warn() (pino, or console)')
    .optional(),
  openapi: z
    .enum(['public', 'admin', 'off'], { error: 'must be "public", "admin" or "off"' })
    .default('public'),
  dashboard: z.boolean({ error: 'must be true or false' }).default(false),
})

export type ResolvedAdminOptions = z.infer<typeof adminOptionsSchema>

export function resolveAdminOptions(input: AdminRouterOptions | undefined): ResolvedAdminOptions {
  return validateOptions('adminRouter', adminOptionsSchema, input)
}
