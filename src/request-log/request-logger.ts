// Request logging: the guard records each request after its response; entries reach the store in batches.

import type { GuardStore } from '../store'
import { beforeClose } from '../store'
import { emitEvent, hasEventListeners } from '../telemetry'
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

const registry = new WeakMap<GuardStore, Set<RequestLogBatcher>>()

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
    private readonly store: GuardStore,
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
      this.drop(1)
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
      .catch(() => this.drop(entries.length))
      .finally(() => {
        this.inFlight.delete(write)
        if (this.buffer.length >= this.batchSize) this.startFlush()
        else this.schedule()
      })
    this.inFlight.add(write)
  }

  private drop(count: number): void {
    this.dropped += count
    if (hasEventListeners()) emitEvent({ type: 'request-log-drop', count })
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
  store: GuardStore,
  option: boolean | RequestLogOptions,
): RequestLogBatcher | null {
  if (option === false) return null
  return new RequestLogBatcher(store, option === true ? {} : option)
}

/** Writes every entry the guards of `store` still buffer (for shutdown and tests). */
export async function flushRequestLogs(store: GuardStore): Promise<void> {
  await Promise.all([...(registry.get(store) ?? [])].map((batcher) => batcher.flush()))
}
