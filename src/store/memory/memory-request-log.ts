// MemoryStore's request log: per key, newest last, capped by count and by age like the Redis stream.

import type { RequestLogEntry, RequestPage, SeriesGranularity, UsageSeries } from '../../types'
import { type RequestLogCaps, resolveRequestLogCaps } from '../request-log-caps'
import { toRequestRecord } from '../request-record'
import { seriesIncrements } from '../usage-series'
import { MemoryUsageSeries } from './memory-usage-series'

interface Kept {
  /** Store time when the entry was appended: the age cap counts from here, as a stream id does. */
  at: number
  entry: RequestLogEntry
}

/** How often (store time) every key's log is pruned by age, so idle keys do not keep old entries. */
const SWEEP_EVERY_MS = 60_000

export class MemoryRequestLog {
  private readonly logs = new Map<string, Kept[]>()
  /** Per-key hourly and daily counters, written with the log: every entry counts, kept or capped. */
  readonly series = new MemoryUsageSeries()
  private readonly maxEntries: number
  private readonly maxAgeMs: number
  private lastSweep = 0

  constructor(
    caps: RequestLogCaps | undefined,
    private readonly clock: () => number,
  ) {
    const resolved = resolveRequestLogCaps('MemoryStore', caps)
    this.maxEntries = resolved.maxEntries
    this.maxAgeMs = resolved.maxAgeSeconds * 1000
  }

  append(entries: readonly RequestLogEntry[]): void {
    const now = this.clock()
    for (const entry of entries) {
      let log = this.logs.get(entry.key_id)
      if (!log) {
        log = []
        this.logs.set(entry.key_id, log)
      }
      log.push({ at: now, entry: { ...entry } })
      if (log.length > this.maxEntries) log.splice(0, log.length - this.maxEntries)
    }
    for (const [id, increments] of seriesIncrements(entries)) this.series.add(id, increments, now)
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now
      for (const id of this.logs.keys()) this.prune(id, now)
      this.series.sweep(now)
    }
  }

  read(id: string, page: { page: number; limit: number }): RequestPage {
    const log = this.prune(id, this.clock())
    const count = log.length
    const start = (page.page - 1) * page.limit
    const requests = []
    for (let i = count - 1 - start; i >= 0 && requests.length < page.limit; i--) {
      requests.push(toRequestRecord((log[i] as Kept).entry))
    }
    return { requests, count }
  }

  /** Whether the key has logged requests still kept. */
  has(id: string): boolean {
    return this.prune(id, this.clock()).length > 0
  }

  /** A key's requests per hour or per day at `nowMs` (see usage-series.ts). */
  usageSeries(id: string, granularity: SeriesGranularity, nowMs: number): UsageSeries {
    return this.series.read(id, granularity, nowMs)
  }

  delete(id: string): void {
    this.logs.delete(id)
    this.series.delete(id)
  }

  /** Number of entries kept in all, for tests of bounded memory. */
  get size(): number {
    let n = 0
    for (const log of this.logs.values()) n += log.length
    return n
  }

  private prune(id: string, now: number): Kept[] {
    const log = this.logs.get(id)
    if (!log) return []
    const cutoff = now - this.maxAgeMs
    let old = 0
    while (old < log.length && (log[old] as Kept).at < cutoff) old++
    if (old > 0) log.splice(0, old)
    if (log.length === 0) this.logs.delete(id)
    return log
  }
}
