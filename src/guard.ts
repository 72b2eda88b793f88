// apiKeyGuard: verifies the key and enforces every limit in one store call, then answers per DESIGN §4.

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { readCredentials } from './credentials'
import { defaultStore } from './default-store'
import { KeyguardConfigError, KeyguardError, StoreUnavailableError } from './errors'
import { type ApiKeyGuardOptions, resolveGuardOptions } from './guard-options'
import { setRateLimitHeaders } from './headers'
import { ipBlockerFor } from './ip-block'
import { ipGroup } from './ip-group'
import { requestLogBatcher, trackRequest } from './request-log'
import { hashToken, parseToken, type TokenType } from './token'
import type { ApiKey } from './types'
import type { Verdict } from './verdict'
import { withTimeout } from './with-timeout'

/** What the guard puts on `req.apiKey`: the key's public record and the token type used. */
export type ApiKeyContext = Omit<ApiKey, 'last_used_at'> & { token_type: TokenType }

declare global {
  namespace Express {
    interface Request {
      /** Set by apiKeyGuard for an allowed request. */
      apiKey?: ApiKeyContext
    }
  }
}

const RATE_MESSAGE = {
  second: 'You have exceeded the per-second rate limit on your subscription',
  minute: 'You have exceeded the per-minute rate limit on your subscription',
} as const

function send(res: Response, error: KeyguardError): void {
  res.locals.keyguardReason = error.code
  res.status(error.status).json(error.toJSON())
}

export function apiKeyGuard(options?: ApiKeyGuardOptions): RequestHandler {
  const config = resolveGuardOptions(options)
  const store = config.store ?? defaultStore()
  const log = requestLogBatcher(store, config.requestLog)
  const blocker = config.ipBlock === false ? null : ipBlockerFor(store, config.ipBlock)
  const { prefix, scopes, cost, tokenTypes } = config

  /** 403 IP_BLOCKED when the client's IP group is blocked (from memory; re-read now and then). */
  const blocked = async (res: Response, group: string): Promise<boolean> => {
    if (!blocker) return false
    let ms = blocker.blockedMs(group)
    if (ms > 0 && blocker.needsRecheck(group)) ms = await blocker.recheck(group, config.timeout)
    if (ms <= 0) return false
    res.setHeader('Retry-After', String(Math.ceil(ms / 1000)))
    send(res, new KeyguardError(403, 'IP_BLOCKED', 'IP temporarily blocked'))
    return true
  }

  /** A failed authentication: counted against the IP; the answer is the same 401 either way. */
  const invalid = async (req: Request, res: Response): Promise<void> => {
    if (blocker) await blocker.fail(ipGroup(req.ip), config.timeout)
    send(res, new KeyguardError(401, 'INVALID_API_KEY', 'Invalid API Key'))
  }

  const reject = (res: Response, verdict: Verdict): void => {
    switch (verdict.outcome) {
      case 'inactive':
        return send(res, new KeyguardError(401, 'INACTIVE_API_KEY', 'Inactive API Key'))
      case 'expired':
        return send(res, new KeyguardError(401, 'EXPIRED_API_KEY', 'Expired API Key'))
      case 'scope':
        return send(res, new KeyguardError(403, 'INSUFFICIENT_SCOPE', 'Insufficient permissions'))
      case 'quota':
        if (verdict.retryAfterMs >= 0) {
          res.setHeader('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))))
        }
        return send(
          res,
          new KeyguardError(
            config.quotaExceededStatus,
            'QUOTA_EXCEEDED',
            `Rate limit exceeded: quota ${verdict.failed}`,
          ),
        )
      case 'rate':
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))))
        return send(
          res,
          new KeyguardError(
            429,
            'RATE_LIMITED',
            RATE_MESSAGE[verdict.failed === 'minute' ? 'minute' : 'second'],
          ),
        )
      default:
        return send(res, new KeyguardError(401, 'INVALID_API_KEY', 'Invalid API Key'))
    }
  }

  return async function keyguard(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Only a process that knows of some block pays for the IP lookup (and an await).
    if (blocker?.hasBlocks() && (await blocked(res, ipGroup(req.ip)))) return
    const token = readCredentials(req)
    if (token === null) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return send(res, new KeyguardError(401, 'MISSING_API_KEY', 'Missing API Key'))
    }
    const parsed = parseToken(token, prefix)
    if (parsed === null) return invalid(req, res)
    if (!tokenTypes.includes(parsed.type)) {
      return send(res, new KeyguardError(403, 'INSUFFICIENT_SCOPE', 'Insufficient permissions'))
    }
    const credits = typeof cost === 'number' ? cost : cost(req)
    if (!Number.isInteger(credits) || credits < 0) {
      return next(
        new KeyguardConfigError(
          `apiKeyGuard: the cost function returned ${String(credits)}; it must return a whole number >= 0`,
        ),
      )
    }
    if (log) trackRequest(log, req, res, parsed.id, token, credits)

    let verdict: Verdict
    try {
      verdict = await withTimeout(
        store.verify({
          id: parsed.id,
          tag: parsed.tag,
          hash: hashToken(token),
          cost: credits,
          scopes,
          type: parsed.type,
        }),
        config.timeout,
        'The key store',
      )
    } catch (error) {
      if (config.onStoreError === 'fail-open') return next()
      res.setHeader('Retry-After', String(config.storeRetryAfter))
      const unavailable = new KeyguardError(
        503,
        'STORE_UNAVAILABLE',
        'Service temporarily unavailable',
      )
      if (!(error instanceof StoreUnavailableError)) res.locals.keyguardError = error
      return send(res, unavailable)
    }

    setRateLimitHeaders(res, verdict.windows, verdict.failed, config.legacyHeaders)
    if (verdict.outcome === 'invalid') return invalid(req, res)
    if (verdict.outcome !== 'ok') return reject(res, verdict)
    if (verdict.record !== null) {
      const record = JSON.parse(verdict.record) as Omit<ApiKey, 'last_used_at'>
      // A client token acts with its own scopes, never more than its parent key's.
      if (verdict.tokenScopes !== null) {
        record.scopes = verdict.tokenScopes === '' ? [] : verdict.tokenScopes.split(',')
      }
      req.apiKey = { ...record, token_type: parsed.type }
    }
    next()
  }
}
