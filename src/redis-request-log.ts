// RedisStore's request log: one Redis Stream per key, capped by count (MAXLEN) and age (MINID), with a TTL.

import type { Cluster, Redis } from 'ioredis'
import type { RedisKeyNames } from './redis-keys'
import type { ResolvedRequestLogCaps } from './request-log-caps'
import { toRequestRecord } from './request-record'
import { TAG_LENGTH } from './token'
import type { RequestLogEntry, RequestPage } from './types'
import { withTimeout } from './with-timeout'

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
  }

  /**
   * One flush: which keys exist (a forged token of an unknown id must not create a stream), then
   * per key one pipeline of XADD (MAXLEN ~), XTRIM MINID ~ and PEXPIRE. Every pipeline touches one
   * key, so this also works on Redis Cluster.
   */
  async append(entries: readonly RequestLogEntry[]): Promise<void> {
    const groups = new Map<string, RequestLogEntry[]>()
    for (const entry of entries) {
      const group = groups.get(entry.key_id)
      if (group) group.push(entry)
      else groups.set(entry.key_id, [entry])
    }
    if (groups.size === 0) return
    const { client, names } = this.ctx
    const ids = [...groups.keys()]
    const work = async (): Promise<void> => {
      const [nowMs, ...exists] = await Promise.all([
        this.ctx.now(),
        ...ids.map((id) => client.exists(names.hot(tagOf(id), id))),
      ])
      const minId = String(Math.max(0, nowMs - this.maxAgeMs))
      const streamId = this.ctx.clock ? `${Math.floor(this.ctx.clock())}-*` : '*'
      const writes: Promise<Array<[Error | null, unknown]> | null>[] = []
      ids.forEach((id, i) => {
        if (!exists[i]) return
        const key = names.logs(tagOf(id), id)
        const pipeline = client.pipeline()
        for (const entry of groups.get(id) ?? []) {
          pipeline.xadd(key, 'MAXLEN', '~', this.maxEntries, streamId, ...encode(entry))
        }
        pipeline.xtrim(key, 'MINID', '~', minId)
        pipeline.pexpire(key, this.maxAgeMs)
        writes.push(pipeline.exec())
      })
      for (const replies of await Promise.all(writes)) {
        for (const [error] of replies ?? []) if (error) throw error
      }
    }
    await withTimeout(work(), this.ctx.timeout, 'Redis request log')
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
}

function encode(entry: RequestLogEntry): string[] {
  const values: Record<Field, string> = {
    timestamp: String(entry.timestamp),
    method: entry.method,
    endpoint: entry.endpoint,
    status: entry.status,
    status_code: String(entry.status_code),
    reason: entry.reason ?? '',
    duration_ms: String(entry.duration_ms),
    ip_address: entry.ip_address ?? '',
    credits: String(entry.credits),
  }
  return FIELDS.flatMap((name) => [name, values[name]])
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
