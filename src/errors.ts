// Coded errors: what the guard and the admin API answer, and what a misconfiguration throws.

import { ID_LENGTH } from './token'

export type ErrorCode =
  | 'MISSING_API_KEY'
  | 'INVALID_API_KEY'
  | 'INACTIVE_API_KEY'
  | 'EXPIRED_API_KEY'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'IP_BLOCKED'
  | 'INSUFFICIENT_SCOPE'
  | 'STORE_UNAVAILABLE'
  | 'VALIDATION_ERROR'
  | 'API_KEY_NOT_FOUND'
  | 'PLAN_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'USER_IN_USE'
  | 'KEY_IN_USE'
  | 'PLAN_IN_USE'
  | 'PLAN_INACTIVE'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL_ERROR'
  | 'DASHBOARD_NOT_BUILT'

/** An answer keyguard gives over HTTP: `{ error, code, details? }` with a status. */
export class KeyguardError extends Error {
  readonly status: number
  readonly code: ErrorCode
  readonly details: unknown

  constructor(status: number, code: ErrorCode, message: string, details?: unknown) {
    super(message)
    this.name = 'KeyguardError'
    this.status = status
    this.code = code
    this.details = details
  }

  toJSON(): { error: string; code: ErrorCode; details?: unknown } {
    return this.details === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, details: this.details }
  }
}

/** Thrown at creation time when options are wrong; the message says what to change. */
export class KeyguardConfigError extends Error {
  readonly code = 'ERR_KEYGUARD_CONFIG'
  constructor(message: string) {
    super(message)
    this.name = 'KeyguardConfigError'
  }
}

/** Thrown by a store when Redis cannot be reached or does not answer in time. */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

/** Anything longer than a key id is not one, and may be a pasted token: it is never echoed. */
export const notFound = (id: string): KeyguardError =>
  new KeyguardError(404, 'API_KEY_NOT_FOUND', 'API key not found', {
    id: id.length <= ID_LENGTH ? id : '[redacted]',
  })

export const planNotFound = (id: string): KeyguardError =>
  new KeyguardError(404, 'PLAN_NOT_FOUND', 'Plan not found', { id })

export const userNotFound = (id: string): KeyguardError =>
  new KeyguardError(404, 'USER_NOT_FOUND', 'User not found', {
    user_id: id.length <= 200 ? id : '[redacted]',
  })

/** A write made against a version that is no longer current (If-Match), or lost to contention. */
export const conflict = (message: string, details?: unknown): KeyguardError =>
  new KeyguardError(409, 'CONFLICT', message, details)

export const validationError = (field: string, message: string, issues?: unknown): KeyguardError =>
  new KeyguardError(400, 'VALIDATION_ERROR', 'Validation failed', {
    field,
    message,
    ...(issues === undefined ? {} : { issues }),
  })
