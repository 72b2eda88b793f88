// RedisStore's audit trail: one capped Redis Stream, `{prefix}audit` (XADD MAXLEN ~), read newest first.

import type { Cluster, Redis } from 'ioredis'
import type { ResolvedAuditLogCaps } from '../audit-caps'
import type { AuditChanges } from '../audit-records'
import {
  type AuditAction,
  type AuditEntry,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditTargetType,
  matchesAudit,
} from '../audit-records'
import { withTimeout } from '../with-timeout'

export interface RedisAuditContext {
  client: Redis | Cluster
  /** The stream's key, `{prefix}audit`. */
  key: string
  /** Upper bound on each Redis call, in ms. */
  timeout: number
}

/** Entries read per XREVRANGE while filtering. */
const CHUNK = 1000

/** Stream entry fields, in this order for every entry, so Redis stores their names once per node. */
const FIELDS = ['time', 'action', 'actor', 'target_type', 'target_id', 'changes', 'ip'] as const
type Field = (typeof FIELDS)[number]

export class RedisAuditLog {
  private readonly maxEntries: number

  constructor(
    private readonly ctx: RedisAuditContext,
    caps: ResolvedAuditLogCaps,
  ) {
    this.maxEntries = caps.maxEntries
  }

  private call<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.ctx.timeout, 'Redis audit log')
  }

  /** One XADD, trimmed to about `maxEntries` (whole stream nodes at a time); the id is Redis's. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    const { client, key } = this.ctx
    const id = await this.call(
      client.xadd(key, 'MAXLEN', '~', this.maxEntries, '*', ...encode(entry)),
    )
    if (id === null) throw new Error('Redis refused the audit record')
    return { id, ...entry }
  }

  /** Trims exactly to the cap, then reads newest first; with filters, scans in chunks. */
  async read(query: AuditQuery): Promise<AuditPage> {
    const { client, key } = this.ctx
    const start = (query.page - 1) * query.limit
    const filtered = query.action !== undefined || query.target !== undefined
    const tx = client.multi().xtrim(key, 'MAXLEN', this.maxEntries).xlen(key)
    if (!filtered && start < this.maxEntries) {
      tx.xrevrange(key, '+', '-', 'COUNT', Math.min(start + query.limit, this.maxEntries))
    }
    const replies = (await this.call(tx.exec())) ?? []
    for (const [error] of replies) if (error) throw error
    if (!filtered) {
      const rows = (replies[2]?.[1] ?? []) as Array<[string, string[]]>
      return {
        records: rows.slice(start).map(([id, fields]) => decode(id, fields)),
        count: Number(replies[1]?.[1] ?? 0),
      }
    }

    const records: AuditRecord[] = []
    let count = 0
    let end = '+'
    for (let scanned = 0; scanned < this.maxEntries; ) {
      const rows = await this.call(
        client.xrevrange(key, end, '-', 'COUNT', Math.min(CHUNK, this.maxEntries - scanned)),
      )
      for (const [id, fields] of rows) {
        const head = decodeHead(id, fields)
        if (!matchesAudit(head, query)) continue
        if (count >= start && records.length < query.limit) records.push(decode(id, fields))
        count++
      }
      scanned += rows.length
      const last = rows[rows.length - 1]
      if (rows.length < CHUNK || last === undefined) break
      end = `(${last[0]}`
    }
    return { records, count }
  }
}

function encode(entry: AuditEntry): string[] {
  const values: Record<Field, string> = {
    time: entry.time,
    action: entry.action,
    actor: entry.actor,
    target_type: entry.target.type,
    target_id: entry.target.id,
    changes: JSON.stringify(entry.changes),
    ip: entry.ip ?? '',
  }
  return FIELDS.flatMap((name) => [name, values[name]])
}

function fieldMap(fields: readonly string[]): Partial<Record<Field, string>> {
  const f: Partial<Record<Field, string>> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as Field
    if (FIELDS.includes(name)) f[name] = fields[i + 1]
  }
  return f
}

/** Everything but `changes` (enough to filter on), without parsing JSON. */
function decodeHead(id: string, fields: readonly string[]): AuditRecord {
  const f = fieldMap(fields)
  const ms = Number(id.split('-')[0])
  return {
    id,
    time: f.time ?? (Number.isFinite(ms) ? new Date(ms).toISOString() : ''),
    // Values are as stored: keyguard writes only known actions and target types.
    action: (f.action ?? '') as AuditAction,
    actor: f.actor ?? '',
    target: { type: (f.target_type ?? '') as AuditTargetType, id: f.target_id ?? '' },
    changes: {},
    ip: f.ip ? f.ip : null,
  }
}

function decode(id: string, fields: readonly string[]): AuditRecord {
  const record = decodeHead(id, fields)
  const raw = fieldMap(fields).changes
  let changes: AuditChanges = {}
  try {
    const parsed: unknown = raw === undefined ? {} : JSON.parse(raw)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      changes = parsed as AuditChanges
    }
  } catch {
    // A record not written by keyguard: show it without changes.
  }
  return { ...record, changes }
}
