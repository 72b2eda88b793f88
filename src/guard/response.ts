// What an answer of the guard carries: RateLimit headers, `req.apiKey` when admitted, and its log entry once it closes.

import { performance } from 'node:perf_hooks'
import type { Request, Response } from 'express'
import type { RequestLogBatcher } from '../request-log'
import type { Verdict, WindowState } from '../store'
import { TOKEN_SHAPE, type TokenType } from '../token'
import type { ApiKey, WindowName } from '../types'

// --- RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers), legacy X-RateLimit-*

/** Per window, the fixed parts of its two header items, so a request only adds the numbers. */
interface Parts {
  /** `"burst";q=` */
  quota: string
  /** `;w=1`, or nothing for the total quota, which has no window */
  window: string
  /** `"burst";r=` */
  remaining: string
  /** Whether the item carries `;t=` (every window but the total quota) */
  resets: boolean
}

const parts = (name: string, window: number | null): Parts => ({
  quota: `"${name}";q=`,
  window: window === null ? '' : `;w=${window}`,
  remaining: `"${name}";r=`,
  resets: window !== null,
})

const PARTS: Record<WindowName, Parts> = {
  second: parts('burst', 1),
  minute: parts('minute', 60),
  total: parts('total', null),
  daily: parts('daily', 86400),
  weekly: parts('weekly', 604800),
  monthly: parts('monthly', 2592000),
}

/** The window closest to exhaustion (lowest share remaining); the failed one when a limit failed. */
export function tightest(
  windows: readonly WindowState[],
  failed: WindowName | null,
): WindowState | undefined {
  if (failed) return windows.find((w) => w.name === failed)
  let best: WindowState | undefined
  for (const w of windows) {
    if (!best || w.remaining * best.limit < best.remaining * w.limit) best = w
  }
  return best
}

/** The headers of a verdict; resets count from the store's clock (`verdict.nowMs`), not this server's. */
export function setRateLimitHeaders(
  res: Response,
  { windows, failed, nowMs }: Pick<Verdict, 'windows' | 'failed' | 'nowMs'>,
  legacy: boolean,
): void {
  if (windows.length === 0) return
  // Both headers in one pass, by concatenation: no arrays, no per-window template strings.
  let policy = ''
  let state = ''
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as WindowState
    const p = PARTS[w.name]
    if (i > 0) {
      policy += ', '
      state += ', '
    }
    policy += p.quota + w.limit + p.window
    state += p.remaining + w.remaining
    if (p.resets) state += ';t=' + Math.ceil(w.resetMs / 1000)
  }
  res.setHeader('RateLimit-Policy', policy)
  res.setHeader('RateLimit', state)
  if (legacy) {
    const w = tightest(windows, failed)
    if (w) {
      res.setHeader('X-RateLimit-Limit', String(w.limit))
      res.setHeader('X-RateLimit-Remaining', String(w.remaining))
      if (w.name !== 'total') {
        res.setHeader('X-RateLimit-Reset', String(Math.ceil((nowMs + w.resetMs) / 1000)))
      }
    }
  }
}

// --- req.apiKey: the key's public record and token type, parsed from the verdict's JSON on first read

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

const SLOT = Symbol('keyguard.apiKey')

interface Slot {
  /** The record's JSON until the first read; null once parsed (or assigned). */
  json: string | null
  /** A client token's own scopes (comma-separated), which replace the key's. */
  tokenScopes: string | null
  type: TokenType
  value: ApiKeyContext | undefined
}

type Carrier = Request & { [SLOT]?: Slot }

/**
 * Shared by every request: an own, enumerable property that reads and assigns like a plain one.
 * Many routes never read it, so most requests skip the JSON.parse altogether.
 */
const PROPERTY: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Carrier): ApiKeyContext | undefined {
    const slot = this[SLOT]
    if (slot === undefined) return undefined
    if (slot.json !== null) {
      slot.value = parse(slot.json, slot.tokenScopes, slot.type)
      slot.json = null
    }
    return slot.value
  },
  set(this: Carrier, value: ApiKeyContext | undefined): void {
    const slot = this[SLOT]
    if (slot === undefined) {
      this[SLOT] = { json: null, tokenScopes: null, type: 'sk', value }
    } else {
      slot.json = null
      slot.value = value
    }
  },
}

function parse(json: string, tokenScopes: string | null, type: TokenType): ApiKeyContext {
  const context = JSON.parse(json) as ApiKeyContext
  // A client token acts with its own scopes, never more than its parent key's.
  if (tokenScopes !== null) context.scopes = tokenScopes === '' ? [] : tokenScopes.split(',')
  context.token_type = type
  return context
}

/** Puts a verified key on `req.apiKey`, to be parsed from `json` when first read. */
export function setApiKey(
  req: Request,
  json: string,
  tokenScopes: string | null,
  type: TokenType,
): void {
  const carrier = req as Carrier
  carrier[SLOT] = { json, tokenScopes, type, value: undefined }
  Object.defineProperty(carrier, 'apiKey', PROPERTY)
}

// --- The request log: each request is logged under its key after its response

const MAX_ENDPOINT_LENGTH = 1024
/** A percent-escape of a character tokens are made of: 0-9 (%30-39), A-Z (%41-5A), _ (%5F), a-z (%61-7A). */
const TOKEN_CHAR_ESCAPE = /%(?:3[0-9]|[46][1-9a-f]|[57][0-9a]|5f)/gi

/** What a response being tracked carries until it closes. */
interface Tracked {
  batcher: RequestLogBatcher | null
  req: Request
  keyId: string
  token: string
  /** Behind two guards (app-wide, then per route) a request is one entry, with both guards' credits. */
  credits: number
  timestamp: number
  started: number
}

const TRACKED = Symbol('keyguard.requestLog')
type TrackedResponse = Response & { [TRACKED]?: Tracked }

/**
 * Logs a request under its key once the response is done. The guard marks a rejection with
 * `res.locals.keyguardReason` (its error code); anything else it let through is `allowed`.
 * A request that passes several guards is one entry, with the credits of them all.
 */
export function trackRequest(
  batcher: RequestLogBatcher,
  req: Request,
  res: Response,
  keyId: string,
  token: string,
  credits: number,
): void {
  const tracked = res as TrackedResponse
  const seen = tracked[TRACKED]
  if (seen !== undefined) {
    seen.credits += credits
    return
  }
  tracked[TRACKED] = {
    batcher,
    req,
    keyId,
    token,
    credits,
    timestamp: Date.now(),
    started: performance.now(),
  }
  // 'close' follows 'finish' on every response, and comes alone when the client hangs up early
  // (who still used the key): one shared listener logs both.
  res.on('close', logOnClose)
}

function logOnClose(this: TrackedResponse): void {
  const t = this[TRACKED]
  if (t === undefined || t.batcher === null) return
  const batcher = t.batcher
  t.batcher = null
  const reason = typeof this.locals.keyguardReason === 'string' ? this.locals.keyguardReason : null
  batcher.push({
    key_id: t.keyId,
    timestamp: t.timestamp,
    method: t.req.method,
    endpoint: endpointOf(t.req, t.token),
    status: reason === null ? 'allowed' : 'rejected',
    status_code: this.statusCode,
    reason,
    duration_ms: Math.round((performance.now() - t.started) * 100) / 100,
    ip_address: t.req.ip ?? null,
    credits: reason === null ? t.credits : 0,
  })
}

/** The path without the query string, with any token in it redacted, at most 1024 characters. */
export function endpointOf(req: Request, token: string): string {
  const url = req.originalUrl ?? req.url ?? ''
  const query = url.indexOf('?')
  let path = query === -1 ? url : url.slice(0, query)
  // Each step only runs when it can change something: most paths hold no %, token or _.
  // A token may come percent-encoded (%5F for _): decode letters, digits and _ before redacting.
  if (path.includes('%')) {
    path = path.replace(TOKEN_CHAR_ESCAPE, (hex) =>
      String.fromCharCode(Number.parseInt(hex.slice(1), 16)),
    )
  }
  if (token !== '' && path.includes(token)) path = path.replaceAll(token, '[redacted]')
  if (path.includes('_')) path = path.replace(TOKEN_SHAPE, '[redacted]')
  return path.length > MAX_ENDPOINT_LENGTH ? path.slice(0, MAX_ENDPOINT_LENGTH) : path
}
