// POST /validate: Limitly's validation over HTTP. The key is verified and charged as a guarded request is.

import { isIP } from 'node:net'
import type { Request } from 'express'
import { z } from 'zod'
import {
  type ApiKeyGuardOptions,
  createVerifier,
  type GuardOptions,
  type VerifyInput,
  type VerifyResult,
} from '../guard'
import { inheritedPlan, validationDetails } from '../keys'
import type { Store, Verdict } from '../store'
import type { QuotaWindow } from '../types'
import { parseInput } from '../validation'
import { body, type RouteContext, type Routes } from './route-kit'

export const VALIDATE_PATH = '/validate'

const scope = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:*-]+$/, 'scopes are letters, digits and _ . : * - (e.g. "keys:read")')

/** Limitly's three fields, and keyguard's optional cost, scopes and client IP. */
export const validateSchema = z.strictObject({
  api_key: z
    .string({ error: 'api_key is required: the key to validate' })
    .min(1, 'api_key is required: the key to validate')
    .max(4096, 'is too long to be an API key'),
  endpoint: z
    .string({ error: 'endpoint is required: the path the request was for, e.g. "/v1/users"' })
    .min(1, 'endpoint is required: the path the request was for, e.g. "/v1/users"')
    .max(2048),
  method: z
    .string({ error: 'method is required: the HTTP method, e.g. "GET"' })
    .regex(/^[A-Za-z]{1,16}$/, 'must be an HTTP method, e.g. "GET"'),
  cost: z
    .number()
    .int('must be a whole number of credits')
    .min(0, 'must be 0 or more')
    .max(1e6)
    .optional(),
  scopes: z.array(scope).max(100).optional(),
  ip: z
    .string()
    .refine((v) => isIP(v) !== 0, 'must be the client IPv4 or IPv6 address')
    .optional(),
})

export type ValidateInput = z.input<typeof validateSchema>

/** Whether a request is for `POST /validate`: its error answers carry `success: false` too. */
export const isValidateRequest = (req: Request): boolean => req.path === VALIDATE_PATH

/**
 * The key's plan, or its user's for a key without one: its name and quota window kind. A failed
 * read leaves them out (the request is charged already).
 */
async function planOf(
  store: Store,
  key: { plan_id: string | null; user_id: string | number | null } | undefined,
): Promise<{ name: string | null; window: QuotaWindow }> {
  if (key === undefined) return { name: null, window: 'rolling' }
  try {
    const found =
      key.plan_id === null
        ? await inheritedPlan(store, key.user_id)
        : await store.loadPlan(key.plan_id)
    return { name: found?.plan.name ?? null, window: found?.plan.quota_window ?? 'rolling' }
  } catch {
    return { name: null, window: 'rolling' }
  }
}

/** A refusal's details: the limit that refused it (quota or rate), or none. */
function refusalDetails(verdict: Verdict | null, keyId: string | null): object | undefined {
  if (verdict === null || verdict.failed === null) return undefined
  const failed = verdict.windows.find((w) => w.name === verdict.failed)
  return {
    key_id: keyId,
    window: verdict.failed,
    ...(failed ? { limit: failed.limit, remaining: failed.remaining } : {}),
    retry_after_seconds:
      verdict.retryAfterMs < 0 ? null : Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)),
  }
}

/**
 * The router's guard options that apply to a request that is not the admin's own: its store,
 * prefix, timeout, quota status, request log, IP blocking and listeners. Not its scopes or token
 * types (any key may be validated, with the scopes the body names), nor its Express hooks.
 */
const PASSED = [
  'prefix',
  'timeout',
  'quotaExceededStatus',
  'onStoreError',
  'storeRetryAfter',
  'legacyHeaders',
  'requestLog',
  'ipBlock',
  'importedKeys',
  'logger',
  'onVerdict',
] as const

function verifierOptions(guard: ApiKeyGuardOptions, store: Store): GuardOptions<VerifyInput> {
  const all = guard as Record<string, unknown>
  const options: Record<string, unknown> = { store }
  for (const name of PASSED) if (all[name] !== undefined) options[name] = all[name]
  return options as GuardOptions<VerifyInput>
}

export function validateRoutes({ store, guard }: RouteContext): Routes {
  const options = verifierOptions(guard, store)
  const verifier = createVerifier(options)
  // Without the client's address, a failure is not counted against anyone: the caller is the
  // admin's own service, and blocking it would stop every validation it makes.
  const unblocked = createVerifier({ ...options, ipBlock: false })
  return {
    [VALIDATE_PATH]: {
      POST: async (req, res) => {
        const input = parseInput(validateSchema, body(req))
        const result: VerifyResult = await (input.ip === undefined
          ? unblocked
          : verifier
        ).verifyRequest({
          token: input.api_key,
          ip: input.ip,
          cost: input.cost ?? 1,
          scopes: input.scopes ?? [],
          method: input.method.toUpperCase(),
          path: input.endpoint,
        })
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
        if (!result.allowed) {
          const details = refusalDetails(result.verdict, result.keyId)
          res.status(result.status).json({
            success: false,
            ...result.body,
            ...(details === undefined ? {} : { details }),
          })
          result.done(result.status)
          return
        }
        const key = result.apiKey
        const plan = await planOf(store, key)
        const details = validationDetails(
          result.verdict as Verdict,
          { id: result.keyId as string, created_at: key?.created_at ?? '' },
          plan.name,
          plan.window,
        )
        res.json({ success: true, details })
        result.done(200)
      },
    },
  }
}
