// MemoryStore's audit trail: records in memory, newest last, capped by count like the Redis stream.

import { type AuditLogCaps, resolveAuditLogCaps } from '../audit-caps'
import {
  type AuditEntry,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  matchesAudit,
} from '../audit-records'

export class MemoryAuditLog {
  private readonly records: AuditRecord[] = []
  private readonly maxEntries: number
  private lastMs = 0
  private seq = 0

  constructor(
    caps: AuditLogCaps | undefined,
    private readonly clock: () => number,
  ) {
    this.maxEntries = resolveAuditLogCaps('MemoryStore', caps).maxEntries
  }

  /** Appends a record with a stream-like id (`<ms>-<seq>`, always increasing); drops the oldest past the cap. */
  append(entry: AuditEntry): AuditRecord {
    const ms = Math.max(Math.floor(this.clock()), this.lastMs)
    this.seq = ms === this.lastMs ? this.seq + 1 : 0
    this.lastMs = ms
    const record: AuditRecord = { id: `${ms}-${this.seq}`, ...structuredClone(entry) }
    this.records.push(record)
    if (this.records.length > this.maxEntries) {
      this.records.splice(0, this.records.length - this.maxEntries)
    }
    return structuredClone(record)
  }

  read(query: AuditQuery): AuditPage {
    const start = (query.page - 1) * query.limit
    const records: AuditRecord[] = []
    let count = 0
    for (let i = this.records.length - 1; i >= 0; i--) {
      const record = this.records[i] as AuditRecord
      if (!matchesAudit(record, query)) continue
      if (count >= start && records.length < query.limit) records.push(structuredClone(record))
      count++
    }
    return { records, count }
  }

  /** Records kept, for tests of bounded memory. */
  get size(): number {
    return this.records.length
  }
}
