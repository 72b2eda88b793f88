// RedisStore's request log: one Redis Stream per key, capped by count (MAXLEN) and age (MINID), with a TTL.

import type { Cluster, Redis } from 'ioredis'
import { TAG_LENGTH } from '../../token'
import type { RequestLogEntry, RequestPage, SeriesGranularity, UsageSeries } from '../../types'
import type { ResolvedRequestLogCaps } from '../request-log-caps'
import { toRequestRecord } from '../request-record'
import { buildSeries, SERIES, seriesIncrements } from '../usage-series'
import { withTimeout } from '../with-timeout'
import { hashSlot, type RedisKeyNames } from './key-names'
import { luaScript } from './lua'

export interface RedisRequestLogContext {
  client: Redis | Cluster
  names: RedisKeyNames
  /** Upper bound on each flush and read, in ms. */
  timeout: number
  /** The store's clock (Redis TIME, or the test clock). */
  now: () => Promise<number>
  /** The store's test clock, if any: stream ids then follow it, so the age cap does too. */
  clock?: (() => number) | undefined
}

/** Stream entry fields, in this order for every entry, so Redis stores their names once per node. */
const FIELDS = [
  'timestamp',
  'method',
  'endpoint',
  'status',
  'status_code',
  'reason',
  'duration_ms',
  'ip_address',
  'credits',
] as const
type Field = (typeof FIELDS)[number]

/** Entries per script call: bounds how long one call holds Redis, whatever the batch size. */
const ENTRIES_PER_CALL = 1000

export const LOG_LUA = luaScript('log.lua')

type LogCommand = (numberOfKeys: number, ...args: Array<string | number>) => Promise<number>
type LogClient = { keyguardLog: LogCommand }

const tagOf = (id: string): string => id.slice(0, TAG_LENGTH)

export class RedisRequestLog {
  private readonly maxEntries: number
  private readonly maxAgeMs: number

  constructor(
    private readonly ctx: RedisRequestLogContext,
    caps: ResolvedRequestLogCaps,
  ) {
    this.maxEntries = caps.maxEntries
    this.maxAgeMs = caps.maxAgeSeconds * 1000
    // The number of keys comes with each call: one call writes many keys' entries.
    ctx.client.defineCommand('keyguardLog', { lua: LOG_LUA })
  }

  /**
   * One flush: one call of lua/log.lua for every key at once (XADDs, then one XTRIM and one
   * PEXPIRE per stream; nothing for an unknown key), split at ENTRIES_PER_CALL. On a Cluster the
   * keys are grouped by hash slot, one call per slot. The same call adds the flush to each key's
   * hourly and daily usage counters (usage-series.ts): every entry counts, also those the count
   * cap keeps from being sent.
   */
  async append(entries: readonly RequestLogEntry[]): Promise<void> {
    const bySlot = new Map<number, Map<string, RequestLogEntry[]>>()
    const { client, names } = this.ctx
    for (const entry of entries) {
      const slot = client.isCluster ? hashSlot(tagOf(entry.key_id)) : 0
      let keys = bySlot.get(slot)
      if (!keys) {
        keys = new Map()
        bySlot.set(slot, keys)
      }
      const group = keys.get(entry.key_id)
      if (group) group.push(entry)
      else keys.set(entry.key_id, [entry])
    }
    const streamId = this.ctx.clock ? `${Math.floor(this.ctx.clock())}-*` : '*'
    const { hour, day } = SERIES
    const header = [
      ...[this.maxEntries, this.maxAgeMs, streamId, FIELDS.length, ...FIELDS],
      ...[hour.bucketMs, hour.buckets, hour.ttlMs, day.bucketMs, day.buckets, day.ttlMs],
    ]
    const increments = seriesIncrements(entries)
    const calls: Promise<number>[] = []
    for (const keys of bySlot.values()) {
      let call = { keys: [] as string[], values: [] as Array<string | number>, entries: 0 }
      const send = (): void => {
        if (call.keys.length === 0) return
        const log = (client as unknown as LogClient).keyguardLog
        calls.push(log.call(client, call.keys.length, ...call.keys, ...header, ...call.values))
        call = { keys: [], values: [], entries: 0 }
      }
      for (const [id, group] of keys) {
        const tag = tagOf(id)
        // Only the newest maxEntries of a key could survive the count cap: the rest is never sent.
        const start = Math.max(0, group.length - this.maxEntries)
        for (let from = start; from < group.length; ) {
          if (call.entries >= ENTRIES_PER_CALL) send()
          const to = Math.min(group.length, from + ENTRIES_PER_CALL - call.entries)
          call.keys.push(
            names.hot(tag, id),
            names.logs(tag, id),
            names.seriesHour(tag, id),
            names.seriesDay(tag, id),
          )
          call.values.push(to - from)
          for (let i = from; i < to; i++) encode(group[i] as RequestLogEntry, call.values)
          // The key's counters go once, with its first part.
          const counters = from === start ? (increments.get(id) ?? new Map()) : new Map()
          call.values.push(counters.size)
          for (const [counter, count] of counters) call.values.push(counter, count)
          call.entries += to - from
          from = to
        }
      }
      send()
    }
    await withTimeout(Promise.all(calls), this.ctx.timeout, 'Redis request log')
  }

  /** Trims exactly (count, then age), then reads newest first: the caps hold exactly for readers. */
  async read(id: string, page: { page: number; limit: number }): Promise<RequestPage> {
    const { client, names } = this.ctx
    const key = names.logs(tagOf(id), id)
    const work = async (): Promise<RequestPage> => {
      const nowMs = await this.ctx.now()
      const start = (page.page - 1) * page.limit
      const tx = client
        .multi()
        .xtrim(key, 'MAXLEN', this.maxEntries)
        .xtrim(key, 'MINID', String(Math.max(0, nowMs - this.maxAgeMs)))
        .xlen(key)
      if (start < this.maxEntries) {
        tx.xrevrange(key, '+', '-', 'COUNT', Math.min(start + page.limit, this.maxEntries))
      }
      const replies = (await tx.exec()) ?? []
      for (const [error] of replies) if (error) throw error
      const count = Number(replies[2]?.[1] ?? 0)
      const rows = (replies[3]?.[1] ?? []) as Array<[string, string[]]>
      return {
        requests: rows.slice(start).map(([, fields]) => toRequestRecord(decode(id, fields))),
        count,
      }
    }
    return withTimeout(work(), this.ctx.timeout, 'Redis request log')
  }

  /** A key's requests per hour or per day at `nowMs`, from its counter hash (one HGETALL). */
  async usageSeries(
    id: string,
    granularity: SeriesGranularity,
    nowMs: number,
  ): Promise<UsageSeries> {
    const { client, names } = this.ctx
    const tag = tagOf(id)
    const key = granularity === 'hour' ? names.seriesHour(tag, id) : names.seriesDay(tag, id)
    const fields = await withTimeout(client.hgetall(key), this.ctx.timeout, 'Redis usage series')
    return buildSeries(id, granularity, Object.entries(fields), nowMs)
  }
}

/** Appends an entry's values to a script call's arguments, in FIELDS order. */
function encode(entry: RequestLogEntry, args: Array<string | number>): void {
  args.push(
    String(entry.timestamp),
    entry.method,
    entry.endpoint,
    entry.status,
    String(entry.status_code),
    entry.reason ?? '',
    String(entry.duration_ms),
    entry.ip_address ?? '',
    String(entry.credits),
  )
}

function decode(id: string, fields: readonly string[]): RequestLogEntry {
  const f: Partial<Record<Field, string>> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as Field
    if (FIELDS.includes(name)) f[name] = fields[i + 1]
  }
  const num = (v: string | undefined): number => (Number.isFinite(Number(v)) ? Number(v) : 0)
  return {
    key_id: id,
    timestamp: num(f.timestamp),
    method: f.method ?? '',
    endpoint: f.endpoint ?? '',
    status: f.status === 'allowed' ? 'allowed' : 'rejected',
    status_code: num(f.status_code),
    reason: f.reason ? f.reason : null,
    duration_ms: num(f.duration_ms),
    ip_address: f.ip_address ? f.ip_address : null,
    credits: num(f.credits),
  }
}
