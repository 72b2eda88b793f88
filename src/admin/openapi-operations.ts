// Every route of adminRouter as an OpenAPI operation: the zod schemas it validates with, what it answers, how it fails.

import type { z } from 'zod'
import { auditQuerySchema } from '../audit'
import { listQuerySchema, pageQuerySchema, seriesQuerySchema } from '../keys'

/** An error answer, by status; their bodies are all `Error`. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete'
  /** Express style, as the router registers it: `/keys/:id`. */
  path: string
  tag: string
  summary: string
  description?: string
  /** The zod schema of the query string. */
  query?: z.ZodObject
  /** Component name of the JSON body's schema (input). */
  body?: string
  /** Status and component name of the success answer (output). */
  ok: { status: 200 | 201; schema: string; description: string }
  errors: ErrorStatus[]
  /** `If-Match` accepted, `ETag` answered. */
  versioned?: boolean
  /** Served without the admin token. */
  public?: boolean
}

/** What every guarded route can answer: the guard's refusals and a store outage. */
const GUARDED: ErrorStatus[] = [401, 403, 429, 503]
/** A route with a JSON body adds its problems. */
const WITH_BODY: ErrorStatus[] = [...GUARDED, 400, 413, 415]

export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI document',
    description:
      'Public by default (it describes the API, it holds no data); the `openapi` option of adminRouter can put it behind the admin token or turn it off.',
    ok: { status: 200, schema: 'OpenApiDocument', description: 'The OpenAPI 3.1 document' },
    errors: [],
    public: true,
  },
  {
    method: 'get',
    path: '/keys',
    tag: 'keys',
    summary: 'List API keys, newest first',
    query: listQuerySchema,
    ok: { status: 200, schema: 'KeyList', description: 'One page; `count` counts every match' },
    errors: [...GUARDED, 400],
  },
  {
    method: 'post',
    path: '/keys',
    tag: 'keys',
    summary: 'Create an API key',
    description:
      'The answer holds the secret (`api_key`): it is shown this once. An inactive plan (`is_active: false`) answers 409 `PLAN_INACTIVE`.',
    body: 'KeyCreate',
    ok: { status: 201, schema: 'KeyWithSecretAnswer', description: 'The key and its secret' },
    errors: [...WITH_BODY, 404, 409],
  },
  {
    method: 'post',
    path: '/keys/import',
    tag: 'keys',
    summary: 'Import existing keys (plaintext or SHA-256)',
    description:
      'At most 1000 rows per request. Each row takes `api_key` (the plaintext key) or `hash` (its SHA-256, hex or base64). Bad rows are listed in `errors` by line (index + 1) and the good ones land; a key that exists already is skipped, so a re-run creates nothing twice. See docs/admin-api.md, "Import".',
    body: 'KeyImport',
    ok: {
      status: 200,
      schema: 'ImportAnswer',
      description: 'What was created, skipped and refused',
    },
    errors: WITH_BODY,
  },
  {
    method: 'get',
    path: '/keys/:id',
    tag: 'keys',
    summary: 'Get an API key (never its secret)',
    ok: { status: 200, schema: 'KeyAnswer', description: 'The key; `ETag` is its version' },
    errors: [...GUARDED, 404],
    versioned: true,
  },
  {
    method: 'put',
    path: '/keys/:id',
    tag: 'keys',
    summary: 'Change an API key',
    description:
      'Only the fields sent change; `null` clears a field. An edit that changes nothing writes nothing and keeps the version.',
    body: 'KeyUpdate',
    ok: { status: 200, schema: 'KeyAnswer', description: 'The key as written' },
    errors: [...WITH_BODY, 404, 409],
    versioned: true,
  },
  {
    method: 'delete',
    path: '/keys/:id',
    tag: 'keys',
    summary: 'Delete a never-used API key',
    description:
      'A key that was ever used, or has any request history (rejected requests included), answers 409 `KEY_IN_USE`: deactivate or revoke it instead.',
    ok: { status: 200, schema: 'MessageAnswer', description: 'Deleted' },
    errors: [...GUARDED, 404, 409],
    versioned: true,
  },
  {
    method: 'post',
    path: '/keys/:id/regenerate',
    tag: 'keys',
    summary: 'Give an API key a new secret',
    description: 'The old secret dies now, or after `grace_seconds`.',
    body: 'Regenerate',
    ok: { status: 200, schema: 'KeyWithSecretAnswer', description: 'The key and its new secret' },
    errors: [...WITH_BODY, 404, 409],
    versioned: true,
  },
  {
    method: 'post',
    path: '/keys/:id/revoke',
    tag: 'keys',
    summary: 'Revoke an API key for good',
    description:
      'From the next request on the key answers 401 `INACTIVE_API_KEY`; it can never be changed or reactivated (409 `CONFLICT`), and its history stays. Revoking a revoked key changes nothing.',
    ok: { status: 200, schema: 'KeyAnswer', description: 'The revoked key' },
    errors: [...GUARDED, 404, 409],
    versioned: true,
  },
  {
    method: 'post',
    path: '/keys/:id/credits',
    tag: 'keys',
    summary: "Set, top up or take from an API key's credits",
    description:
      "Credits are what is left of the key's total quota (`quotas.total` minus the credits used). `set` leaves exactly `amount`; `increment` adds `amount` to what is left; `decrement` takes it, down to 0 at most. One atomic step against concurrent traffic: nothing is admitted twice, no top-up is lost. `increment` and `decrement` on a key without a total quota answer 409 `CONFLICT`; so does a revoked key.",
    body: 'CreditsChange',
    ok: { status: 200, schema: 'CreditsAnswer', description: 'The key and its balance after' },
    errors: [...WITH_BODY, 404, 409],
    versioned: true,
  },
  {
    method: 'get',
    path: '/keys/:id/usage',
    tag: 'keys',
    summary: "An API key's quota usage, per window",
    ok: { status: 200, schema: 'UsageAnswer', description: 'Usage now' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'get',
    path: '/keys/:id/requests',
    tag: 'keys',
    summary: "An API key's logged requests, newest first",
    query: pageQuerySchema,
    ok: { status: 200, schema: 'RequestsAnswer', description: 'One page of the request log' },
    errors: [...GUARDED, 400, 404],
  },
  {
    method: 'get',
    path: '/keys/:id/series',
    tag: 'keys',
    summary: "An API key's requests per hour or per day, allowed and rejected by code",
    description:
      '`granularity=hour` (the default): the last 7 days, 168 points; `day`: the last 90 days, 90 points. Oldest first, every bucket present (zeros included); `t` is the bucket\'s start (UTC). A request counts in the bucket of the store\'s clock when the request log wrote it (normally within a second). `rejected_by` names the codes with requests (`OTHER` for a reason that is not a guard code). See docs/admin-api.md, "Usage series".',
    query: seriesQuerySchema,
    ok: { status: 200, schema: 'SeriesAnswer', description: 'Every bucket of the period' },
    errors: [...GUARDED, 400, 404],
  },
  {
    method: 'post',
    path: '/tokens',
    tag: 'tokens',
    summary: 'Mint a short-lived client token',
    description:
      'Any secret key (`sk`) may mint client tokens for itself; a key with the `admin` scope for any key or user.',
    body: 'ClientTokenRequest',
    ok: { status: 201, schema: 'ClientTokenAnswer', description: 'The client token' },
    errors: [...WITH_BODY, 404],
  },
  {
    method: 'post',
    path: '/validate',
    tag: 'validation',
    summary: 'Validate an API key for one request, and charge it (Limitly)',
    description:
      "Verifies `api_key` and charges its limits exactly as a request through apiKeyGuard does (`cost` credits, default 1), logs the request under the key (`endpoint`, `method`), and counts a failed authentication against `ip` (else the caller's IP). A refusal answers the guard's status and code (401, 403, 429, 503) with `success: false` and the guard's headers (`Retry-After`, `RateLimit`). Needs the admin token, like every route here.",
    body: 'ValidateRequest',
    ok: { status: 200, schema: 'ValidateAnswer', description: 'Admitted and charged' },
    errors: WITH_BODY,
  },
  {
    method: 'get',
    path: '/plans',
    tag: 'plans',
    summary: 'List plans',
    ok: { status: 200, schema: 'PlanList', description: 'Every plan' },
    errors: GUARDED,
  },
  {
    method: 'post',
    path: '/plans',
    tag: 'plans',
    summary: 'Create a plan',
    description:
      'An `id` that exists already answers 409 `CONFLICT`. Limitly\'s `max_requests` per `request_period` (day, week, month, year) sets that quota (`quotas.daily` … `quotas.yearly`); `is_active: false` keeps the plan from more keys and users (409 `PLAN_INACTIVE`) while its keys keep working. See docs/admin-api.md, "Limitly compatibility".',
    body: 'PlanCreate',
    ok: { status: 201, schema: 'PlanAnswer', description: 'The plan' },
    errors: [...WITH_BODY, 409],
  },
  {
    method: 'get',
    path: '/plans/:id',
    tag: 'plans',
    summary: 'Get a plan',
    ok: { status: 200, schema: 'PlanAnswer', description: 'The plan' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'put',
    path: '/plans/:id',
    tag: 'plans',
    summary: 'Change a plan; its keys get the new limits',
    description:
      "Answers once every key on the plan has the new limits. An edit that changes nothing saves nothing, and rewrites only keys an interrupted edit left behind. Takes the fields of POST /plans, all optional: `max_requests` alone changes the plan's Limitly quota (its longest), `request_period` moves it to that window, null removes it.",
    body: 'PlanUpdate',
    ok: { status: 200, schema: 'PlanAnswer', description: 'The plan as written' },
    errors: [...WITH_BODY, 404, 409],
  },
  {
    method: 'delete',
    path: '/plans/:id',
    tag: 'plans',
    summary: 'Delete a plan no key uses',
    ok: { status: 200, schema: 'MessageAnswer', description: 'Deleted' },
    errors: [...GUARDED, 404, 409],
  },
  {
    method: 'get',
    path: '/plans/:id/usage',
    tag: 'plans',
    summary: "A plan's use in its request period (Limitly)",
    ok: { status: 200, schema: 'PlanUsageAnswer', description: "The plan's use" },
    errors: [...GUARDED, 404],
  },
  {
    method: 'get',
    path: '/plans/:id/keys',
    tag: 'plans',
    summary: 'The plan and the keys whose limits come from it (Limitly)',
    ok: { status: 200, schema: 'PlanKeysAnswer', description: 'The plan and its keys' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'get',
    path: '/audit',
    tag: 'audit',
    summary: 'The audit trail of admin actions, newest first',
    query: auditQuerySchema,
    ok: { status: 200, schema: 'AuditList', description: 'One page of records' },
    errors: [...GUARDED, 400],
  },
  {
    method: 'get',
    path: '/ip-blocks',
    tag: 'ip-blocks',
    summary: 'IPs blocked after failed authentications, soonest unblocked first',
    ok: { status: 200, schema: 'IpBlockList', description: 'The blocks in force' },
    errors: GUARDED,
  },
  {
    method: 'delete',
    path: '/ip-blocks/:ip',
    tag: 'ip-blocks',
    summary: 'Lift the block of an IP or an IPv6 /64',
    description:
      'The IP URL-encoded (`2001%3Adb8%3A1%3A2%3A%3A%2F64`); 404 when it is not blocked.',
    ok: { status: 200, schema: 'MessageAnswer', description: 'Unblocked' },
    errors: [...GUARDED, 400, 404],
  },
  {
    method: 'delete',
    path: '/ip-blocks/:ip/:bits',
    tag: 'ip-blocks',
    summary: 'Lift the block of an IPv6 /64 sent with its slash unencoded',
    description: '`DELETE /ip-blocks/2001:db8:1:2::/64`; `bits` must be 64.',
    ok: { status: 200, schema: 'MessageAnswer', description: 'Unblocked' },
    errors: [...GUARDED, 400, 404],
  },
]

/** Path parameters other than `id` (a key's or a plan's, by path). */
export const PATH_PARAMS: Record<string, string> = {
  ip: 'An IPv4 or IPv6 address, or an IPv6 /64 (URL-encoded)',
  bits: 'The prefix length of an IPv6 /64: 64',
}

export const TAGS = [
  { name: 'keys', description: 'API keys: create, read, change, rotate, delete; usage and logs' },
  { name: 'plans', description: 'Plans: limits shared by many keys' },
  { name: 'tokens', description: 'Short-lived client tokens for browsers' },
  { name: 'validation', description: 'Validate a key over HTTP, as a guarded request (Limitly)' },
  { name: 'audit', description: 'What admins did' },
  { name: 'ip-blocks', description: 'IPs blocked after failed authentications' },
  { name: 'meta', description: 'This document' },
]
