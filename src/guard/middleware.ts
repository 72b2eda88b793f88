// apiKeyGuard: verifies the key and enforces every limit in one store call, then answers with the error table of docs/guard.md.

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { KeyguardConfigError, StoreUnavailableError } from '../errors'
import { ipBlockerFor, ipGroup } from '../ip-block'
import { requestLogBatcher } from '../request-log'
import type { GuardStore, Verdict, VerifyRequest } from '../store'
import { defaultStore, isSelfBounded, withTimeout } from '../store'
import { hashToken, parseToken } from '../token'
import {
  type Answer,
  EXPIRED,
  INACTIVE,
  INVALID,
  IP_BLOCKED,
  MISSING,
  quotaAnswers,
  RATE_MINUTE,
  RATE_SECOND,
  SCOPE,
  STORE_UNAVAILABLE,
  send,
} from './answers'
import { type ApiKeyGuardOptions, resolveGuardOptions } from './options'
import { setApiKey, setRateLimitHeaders, trackRequest } from './response'

export type { ApiKeyContext } from './response'

const BEARER = /^bearer[ \t]+([^ \t]+)[ \t]*$/i

/** The presented token: `Authorization: Bearer <token>` (any case) or `X-API-Key`. */
function readCredentials(req: Request): string | null {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const match = BEARER.exec(auth)
    if (match?.[1]) return match[1]
  }
  const header = req.headers['x-api-key']
  const value = Array.isArray(header) ? header[0] : header
  if (typeof value === 'string' && value.trim() !== '') return value.trim()
  return null
}

const retryAfter = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)))

/** A rejection never waits on what the failure count returns (a number, or a promise of one). */
const ignore = (): void => {}

export function apiKeyGuard(options?: ApiKeyGuardOptions): RequestHandler {
  const config = resolveGuardOptions(options)
  const store: GuardStore = config.store ?? defaultStore()
  const log = requestLogBatcher(store, config.requestLog)
  const blocker = config.ipBlock === false ? null : ipBlockerFor(store, config.ipBlock)
  const { prefix, scopes, cost, tokenTypes, timeout } = config
  const quota = quotaAnswers(config.quotaExceededStatus)
  const storeRetryAfter = String(config.storeRetryAfter)

  /** 403 IP_BLOCKED when the client's IP group is blocked (from memory; re-read now and then). */
  const blocked = async (res: Response, group: string): Promise<boolean> => {
    if (!blocker) return false
    let ms = blocker.blockedMs(group)
    if (ms > 0 && blocker.needsRecheck(group)) ms = await blocker.recheck(group, timeout)
    if (ms <= 0) return false
    res.setHeader('Retry-After', String(Math.ceil(ms / 1000)))
    send(res, IP_BLOCKED)
    return true
  }

  /**
   * A failed authentication: counted against the IP, off the request path; the answer is the same
   * 401. Only a guess (`shared`: the token passed its checksum) goes to the count all processes share.
   */
  const invalid = (req: Request, res: Response, shared: boolean): void => {
    if (blocker) {
      const counted: unknown = blocker.fail(ipGroup(req.ip), timeout, shared)
      if (counted instanceof Promise) counted.catch(ignore)
    }
    send(res, INVALID)
  }

  const reject = (res: Response, verdict: Verdict): void => {
    let refusal: Answer
    switch (verdict.outcome) {
      case 'inactive':
        refusal = INACTIVE
        break
      case 'expired':
        refusal = EXPIRED
        break
      case 'scope':
        refusal = SCOPE
        break
      case 'quota':
        // A total quota never resets (-1): no Retry-After.
        if (verdict.retryAfterMs >= 0) {
          res.setHeader('Retry-After', retryAfter(verdict.retryAfterMs))
        }
        refusal = quota.get(verdict.failed) as Answer
        break
      case 'rate':
        res.setHeader('Retry-After', retryAfter(verdict.retryAfterMs))
        refusal = verdict.failed === 'minute' ? RATE_MINUTE : RATE_SECOND
        break
      default:
        refusal = INVALID
    }
    send(res, refusal)
  }

  // Whether the store bounds its own calls, looked up again only if its verify method is replaced.
  let checked: typeof store.verify | null = null
  let selfBounded = false
  /** The store call, bounded once: by the store itself when it honours the timeout, else here. */
  const verify = (request: VerifyRequest): Promise<Verdict> => {
    const method = store.verify
    if (method !== checked) {
      checked = method
      selfBounded = isSelfBounded(method)
    }
    const pending = method.call(store, request, timeout)
    return selfBounded ? pending : withTimeout(pending, timeout, 'The key store')
  }

  return async function keyguard(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Only a process that knows of some block pays for the IP lookup (and an await); reading the
    // map's size runs no code of the blocker's.
    if (blocker !== null && blocker.local.size > 0 && (await blocked(res, ipGroup(req.ip)))) {
      return
    }
    const token = readCredentials(req)
    if (token === null) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return send(res, MISSING)
    }
    const parsed = parseToken(token, prefix)
    if (parsed === null) return invalid(req, res, false)
    if (!tokenTypes.includes(parsed.type)) return send(res, SCOPE)
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
      verdict = await verify({
        id: parsed.id,
        tag: parsed.tag,
        hash: hashToken(token),
        cost: credits,
        scopes,
        type: parsed.type,
      })
    } catch (error) {
      if (config.onStoreError === 'fail-open') return next()
      res.setHeader('Retry-After', storeRetryAfter)
      if (!(error instanceof StoreUnavailableError)) res.locals.keyguardError = error
      return send(res, STORE_UNAVAILABLE)
    }

    setRateLimitHeaders(res, verdict, config.legacyHeaders)
    if (verdict.outcome === 'invalid') return invalid(req, res, true)
    if (verdict.outcome !== 'ok') return reject(res, verdict)
    if (verdict.record !== null) setApiKey(req, verdict.record, verdict.tokenScopes, parsed.type)
    next()
  }
}
