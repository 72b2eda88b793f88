// The guard's refusals (401, 403, 429, 503 with their codes), built once: a rejected request allocates no Error and no body.

import type { ErrorCode } from '../errors'
import { WINDOW_NAMES, type WindowName } from '../types'

/** A fixed answer: its status and its `{ error, code }` body, the same bytes a KeyguardError gives. */
export interface Answer {
  readonly status: number
  readonly code: ErrorCode
  readonly body: Readonly<{ error: string; code: ErrorCode }>
}

const answer = (status: number, code: ErrorCode, error: string): Answer =>
  Object.freeze({ status, code, body: Object.freeze({ error, code }) })

export const MISSING = answer(401, 'MISSING_API_KEY', 'Missing API Key')
export const INVALID = answer(401, 'INVALID_API_KEY', 'Invalid API Key')
export const INACTIVE = answer(401, 'INACTIVE_API_KEY', 'Inactive API Key')
export const EXPIRED = answer(401, 'EXPIRED_API_KEY', 'Expired API Key')
export const SCOPE = answer(403, 'INSUFFICIENT_SCOPE', 'Insufficient permissions')
export const IP_BLOCKED = answer(403, 'IP_BLOCKED', 'IP temporarily blocked')
export const STORE_UNAVAILABLE = answer(503, 'STORE_UNAVAILABLE', 'Service temporarily unavailable')
export const RATE_SECOND = answer(
  429,
  'RATE_LIMITED',
  'You have exceeded the per-second rate limit on your subscription',
)
export const RATE_MINUTE = answer(
  429,
  'RATE_LIMITED',
  'You have exceeded the per-minute rate limit on your subscription',
)

/** QUOTA_EXCEEDED per failed window, with the guard's `quotaExceededStatus`. */
export function quotaAnswers(status: number): ReadonlyMap<WindowName | null, Answer> {
  const quota = (failed: WindowName | null): Answer =>
    answer(status, 'QUOTA_EXCEEDED', `Rate limit exceeded: quota ${failed}`)
  return new Map<WindowName | null, Answer>([
    ...WINDOW_NAMES.map((name): [WindowName, Answer] => [name, quota(name)]),
    [null, quota(null)],
  ])
}
