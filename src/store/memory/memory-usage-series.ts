// MemoryStore's usage series: per key, hourly and daily counters with the same trimming and TTLs as lua/log.lua.

import type { SeriesGranularity, UsageSeries } from '../../types'
import {
  bucketOf,
  buildSeries,
  SERIES,
  SERIES_GRANULARITIES,
  type SeriesSpec,
  seriesField,
} from '../usage-series'

/** One key's counters of one granularity: what Redis keeps in a `sh:`/`sd:` hash. */
interface Counters {
  fields: Map<string, number>
  /** The newest bucket written: old buckets are trimmed when it changes, as the script does. */
  newest: number
  /** Store time after which the counters are gone (their TTL, from the last write). */
  expiresAt: number
}

type KeySeries = Partial<Record<SeriesGranularity, Counters>>

export class MemoryUsageSeries {
  private readonly keys = new Map<string, KeySeries>()

  /** Adds a flush's increments (counter → requests) of one key, at store time `nowMs`. */
  add(id: string, increments: ReadonlyMap<string, number>, nowMs: number): void {
    let series = this.keys.get(id)
    if (!series) {
      series = {}
      this.keys.set(id, series)
    }
    for (const granularity of SERIES_GRANULARITIES) {
      const spec = SERIES[granularity]
      const counters = live(series[granularity], nowMs) ?? {
        fields: new Map(),
        newest: Number.NaN,
        expiresAt: 0,
      }
      series[granularity] = counters
      const bucket = bucketOf(nowMs, spec)
      if (counters.newest !== bucket) {
        trim(counters, bucket, spec)
        counters.newest = bucket
      }
      for (const [counter, count] of increments) {
        const field = seriesField(bucket, counter)
        counters.fields.set(field, (counters.fields.get(field) ?? 0) + count)
      }
      counters.expiresAt = nowMs + spec.ttlMs
    }
  }

  read(id: string, granularity: SeriesGranularity, nowMs: number): UsageSeries {
    const series = this.keys.get(id)
    const counters = live(series?.[granularity], nowMs)
    if (series && !counters) this.expire(id, granularity)
    return buildSeries(id, granularity, counters?.fields ?? [], nowMs)
  }

  delete(id: string): void {
    this.keys.delete(id)
  }

  /** Drops every key's counters whose TTL has passed. */
  sweep(nowMs: number): void {
    for (const [id, series] of this.keys) {
      for (const granularity of SERIES_GRANULARITIES) {
        if (series[granularity] && !live(series[granularity], nowMs)) this.expire(id, granularity)
      }
    }
  }

  /** Counter fields kept, over every key and granularity: for tests of bounded memory. */
  get fieldCount(): number {
    let n = 0
    for (const series of this.keys.values()) {
      for (const counters of Object.values(series)) n += counters.fields.size
    }
    return n
  }

  /** A key's counters of one granularity as stored (field → count), for tests. */
  fieldsOf(id: string, granularity: SeriesGranularity): Map<string, number> {
    return new Map(this.keys.get(id)?.[granularity]?.fields ?? [])
  }

  private expire(id: string, granularity: SeriesGranularity): void {
    const series = this.keys.get(id)
    if (!series) return
    delete series[granularity]
    if (Object.keys(series).length === 0) this.keys.delete(id)
  }
}

const live = (counters: Counters | undefined, nowMs: number): Counters | undefined =>
  counters && counters.expiresAt > nowMs ? counters : undefined

/** Deletes the buckets that left the period ending at `bucket` (the newest `spec.buckets` stay). */
function trim(counters: Counters, bucket: number, spec: SeriesSpec): void {
  for (const field of counters.fields.keys()) {
    if (Number(field.slice(0, field.indexOf(':'))) <= bucket - spec.buckets) {
      counters.fields.delete(field)
    }
  }
}
