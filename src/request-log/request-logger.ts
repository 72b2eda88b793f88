// Request logging: the guard records each request after its response; entries reach the store in batches.

import { performance } from 'node:perf_hooks'
import type { Request, Response } from 'express'
import type { Store } from '../store'
import { beforeClose } from '../store'
import { TOKEN_SHAPE } from '../token'
import type { RequestLogEntry } from '../types'

export interface RequestLogOptions {
  /** Entries buffered before a flush starts. Defaults to 100. */
  batchSize?: number
  /** Longest time an entry waits in the buffer, in ms. Defaults to 1000. */
  flushIntervalMs?: number
}

export const DEFAULT_BATCH_SIZE = 100
export const DEFAULT_FLUSH_INTERVAL_MS = 1000
/** Flushes running at once; beyond it entries wait in the buffer (up to 10 batches, then dropped). */
const MAX_FLUSHES_IN_FLIGHT = 4
const MAX_ENDPOINT_LENGTH = 1024
/** A percent-escape of a character tokens are made of: 0-9 (%30-39), A-Z (%41-5A), _ (%5F), a-z (%61-7A). */
const TOKEN_CHAR_ESCAPE = /%(?:3[0-9]|[46][1-9a-f]|[57][0-9a]|5f)/gi

const registry = new WeakMap<Store, Set<RequestLogBatcher>>()

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

/** Buffers entries and writes them with `store.appendRequests`, never on a request's path. */
export class RequestLogBatcher {
  /** Entries lost because the store failed or the buffer was full. */
  dropped = 0
  private buffer: RequestLogEntry[] = []
  private timer: NodeJS.Timeout | null = null
  private readonly inFlight = new Set<Promise<void>>()
  private readonly batchSize: number
  private readonly flushIntervalMs: number

  constructor(
    private readonly store: Store,
    options: RequestLogOptions = {},
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS
    const set = registry.get(store) ?? new Set()
    // The first batcher of a store flushes them all when the store closes.
    if (set.size === 0) beforeClose(store, () => flushRequestLogs(store))
    set.add(this)
    registry.set(store, set)
  }

  /** Entries waiting for a flush. */
  get pending(): number {
    return this.buffer.length
  }

  push(entry: RequestLogEntry): void {
    if (this.buffer.length >= this.batchSize * 10) {
      this.dropped++
      return
    }
    this.buffer.push(entry)
    if (this.buffer.length >= this.batchSize) this.startFlush()
    else this.schedule()
  }

  /** Writes everything buffered and waits for every write in flight. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.inFlight.size > 0) {
      this.startFlush(true)
      await Promise.all(this.inFlight)
    }
  }

  private startFlush(force = false): void {
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.buffer.length === 0) return
    if (!force && this.inFlight.size >= MAX_FLUSHES_IN_FLIGHT) return
    const entries = this.buffer
    this.buffer = []
    const write: Promise<void> = Promise.resolve()
      .then(() => this.store.appendRequests(entries))
      .catch(() => {
        this.dropped += entries.length
      })
      .finally(() => {
        this.inFlight.delete(write)
        if (this.buffer.length >= this.batchSize) this.startFlush()
        else this.schedule()
      })
    this.inFlight.add(write)
  }

  /** Arms the flush timer (unref'd: a pending log never keeps the process alive). */
  private schedule(): void {
    if (this.timer !== null || this.buffer.length === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.startFlush()
    }, this.flushIntervalMs)
    this.timer.unref()
  }
}

/** The batcher a guard logs to, or null when logging is off (`requestLog: false`). */
export function requestLogBatcher(
  store: Store,
  option: boolean | RequestLogOptions,
): RequestLogBatcher | null {
  if (option === false) return null
  return new RequestLogBatcher(store, option === true ? {} : option)
}

/** Writes every entry the guards of `store` still buffer (for shutdown and tests). */
export async function flushRequestLogs(store: Store): Promise<void> {
  await Promise.all([...(registry.get(store) ?? [])].map((batcher) => batcher.flush()))
}

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
