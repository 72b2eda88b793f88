// The admin API's error answers: coded errors as they are, bad bodies and paths as 4xx, the rest a logged 500.

import type { ErrorRequestHandler } from 'express'
import { KeyguardError, StoreUnavailableError } from '../errors'
import { isValidateRequest } from './validate-routes'

interface HttpError {
  status?: unknown
  statusCode?: unknown
  type?: unknown
  message?: unknown
}

const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'Malformed JSON body',
  'entity.too.large': 'Request body too large',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
}

/** The answer for an error, or null when it is unexpected (a bug): then the caller answers 500. */
export function toKeyguardError(error: unknown): KeyguardError | null {
  if (error instanceof KeyguardError) return error
  if (error instanceof StoreUnavailableError) {
    return new KeyguardError(503, 'STORE_UNAVAILABLE', 'Service temporarily unavailable')
  }
  if (typeof error !== 'object' || error === null) return null
  // body-parser (bad JSON, too large, bad charset) and the router (undecodable path) throw 4xx.
  const e = error as HttpError
  const status = typeof e.status === 'number' ? e.status : e.statusCode
  if (typeof status !== 'number' || status < 400 || status > 499) return null
  const type = typeof e.type === 'string' ? e.type : null
  let message = typeof e.message === 'string' ? e.message : 'Bad request'
  // Parsers quote pieces of the request (JSON.parse a bit of the body, the router a path segment)
  // that may hold a pasted token: never echo a quoted piece.
  if (message.includes('"') || message.startsWith('Failed to decode')) {
    message = type === null ? 'could not be decoded' : 'could not be read'
  }
  return new KeyguardError(
    status,
    'VALIDATION_ERROR',
    (type !== null && BODY_ERRORS[type]) || 'Validation failed',
    { field: type !== null ? 'body' : 'path', message },
  )
}

export function adminErrorHandler(onError: (error: unknown) => void): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error)
    let answer = toKeyguardError(error)
    if (answer === null) {
      onError(error)
      answer = new KeyguardError(500, 'INTERNAL_ERROR', 'Internal server error')
    }
    if (answer.status === 503) res.setHeader('Retry-After', '1')
    // Limitly's validation answers always say whether they succeeded, bad bodies included.
    const json = answer.toJSON()
    res.status(answer.status).json(isValidateRequest(req) ? { success: false, ...json } : json)
  }
}
