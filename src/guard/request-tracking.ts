// The request log: each request of a known key is logged once its response is done.

import { performance } from 'node:perf_hooks'
import type { RequestLogBatcher } from '../request-log'
import { TOKEN_SHAPE } from '../token'

/** How an adapter reads what a log entry needs from its framework's request. */
export interface RequestView<R> {
  method(req: R): string
  /** The path as received, query string included (it is cut off). */
  url(req: R): string
  ip(req: R): string | undefined
}

/** An entry being tracked until its response is done. */
export interface Tracked<R = unknown> {
  batcher: RequestLogBatcher | null
  req: R
  view: RequestView<R>
  keyId: string
  token: string
  /** Behind two guards (app-wide, then per route) a request is one entry, with both guards' credits. */
  credits: number
  /** The guard's error code when it refused the request; null when it let it through. */
  reason: string | null
  timestamp: number
  started: number
}

const TRACKED = Symbol('keyguard.requestLog')
type Holder = object & { [TRACKED]?: Tracked<never> }

/** The entry of a response already tracked (by an earlier guard), if any. */
export const trackedOf = (res: object): Tracked | undefined =>
  (res as Holder)[TRACKED] as Tracked | undefined

/**
 * Starts the entry of a request, held on `res`; returns false when an earlier guard already did
 * (its entry then carries these credits too).
 */
export function track<R>(
  res: object,
  batcher: RequestLogBatcher,
  req: R,
  view: RequestView<R>,
  keyId: string,
  token: string,
  credits: number,
): boolean {
  const seen = trackedOf(res)
  if (seen !== undefined) {
    seen.credits += credits
    return false
  }
  const tracked: Tracked<R> = {
    batcher,
    req,
    view,
    keyId,
    token,
    credits,
    reason: null,
    timestamp: Date.now(),
    started: performance.now(),
  }
  ;(res as Holder)[TRACKED] = tracked as Tracked<never>
  return true
}

/** Marks the tracked request of `res` as refused with `code`. */
export function markRefused(res: object, code: string): void {
  const tracked = trackedOf(res)
  if (tracked !== undefined) tracked.reason = code
}

/** Writes the entry, once: with the final status code. */
export function finish(tracked: Tracked, statusCode: number): void {
  const batcher = tracked.batcher
  if (batcher === null) return
  tracked.batcher = null
  const { req, view, reason } = tracked
  batcher.push({
    key_id: tracked.keyId,
    timestamp: tracked.timestamp,
    method: view.method(req),
    endpoint: endpointOf(view.url(req), tracked.token),
    status: reason === null ? 'allowed' : 'rejected',
    status_code: statusCode,
    reason,
    duration_ms: Math.round((performance.now() - tracked.started) * 100) / 100,
    ip_address: view.ip(req) ?? null,
    credits: reason === null ? tracked.credits : 0,
  })
}

/**
 * For node:http responses (Express's too): 'close' follows 'finish' on every response, and comes
 * alone when the client hangs up early (who still used the key). One shared listener logs both.
 */
export function finishOnClose(this: object & { statusCode: number }): void {
  const tracked = trackedOf(this)
  if (tracked !== undefined) finish(tracked, this.statusCode)
}

const MAX_ENDPOINT_LENGTH = 1024
/** A percent-escape of a character tokens are made of: 0-9 (%30-39), A-Z (%41-5A), _ (%5F), a-z (%61-7A). */
const TOKEN_CHAR_ESCAPE = /%(?:3[0-9]|[46][1-9a-f]|[57][0-9a]|5f)/gi

/** The path without the query string, with any token in it redacted, at most 1024 characters. */
export function endpointOf(url: string, token: string): string {
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
