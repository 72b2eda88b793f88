// MemoryStore: the embedded store for one process, demos and tests; same semantics as RedisStore.

import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from './audit'
import type { AuditLogCaps } from './audit-caps'
import { markSelfBounded } from './bounded-verify'
import { EXPIRED_TOKEN_KEPT_MS } from './client-tokens'
import { hotConfig, RING_TTL_MS, recordVersion, WINDOW_FIELDS } from './hot-fields'
import { MemoryAuditLog } from './memory-audit'
import { MemoryRequestLog } from './memory-request-log'
import { type Hash, memoryVerify } from './memory-verify'
import { flushRequestLogs } from './request-log'
import type { RequestLogCaps } from './request-log-caps'
import type { LoadedKey, SaveKeyOptions, Store, StoredKey, VerifyRequest } from './store'
import { loadedKey } from './stored-key'
import type { Plan, RequestLogEntry, RequestPage } from './types'
import { decodeVerdict, type Verdict } from './verdict'

export interface MemoryStoreOptions {
  /** Test clock in ms since the epoch. Defaults to `Date.now`. */
  clock?: () => number
  /** How often expired entries are swept, in ms. Defaults to 60000. */
  sweepInterval?: number
  /** Logged requests kept per key: by count and by age. Defaults to 1000 and 30 days. */
  requestLog?: RequestLogCaps
  /** Audit records kept, newest first. Defaults to 10000. */
  auditLog?: AuditLogCaps
}

interface Expiring {
  hash: Hash
  expiresAt: number
}

export class MemoryStore implements Store {
  private readonly clock: () => number
  private readonly hot = new Map<string, Hash>()
  private readonly records = new Map<string, string>()
  private readonly userRates = new Map<string, Expiring>()
  private readonly rings = new Map<string, Expiring>()
  /** Client tokens per parent key id: token hash → `<expires_ms>|<scopes>`. */
  private readonly clientTokens = new Map<string, Map<string, string>>()
  private readonly plans = new Map<string, Plan>()
  private readonly planKeys = new Map<string, Set<string>>()
  private readonly timer: NodeJS.Timeout
  private readonly requestLog: MemoryRequestLog
  private readonly auditLog: MemoryAuditLog

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.requestLog = new MemoryRequestLog(options.requestLog, this.clock)
    this.auditLog = new MemoryAuditLog(options.auditLog, this.clock)
    this.timer = setInterval(() => this.sweep(), options.sweepInterval ?? 60000)
    this.timer.unref()
  }

  /** Drops expired entries so memory stays bounded; also runs on a timer. */
  sweep(): void {
    const now = this.clock()
    for (const [tag, entry] of this.userRates) {
      if (entry.expiresAt <= now) this.userRates.delete(tag)
    }
    for (const [id, entry] of this.rings) if (entry.expiresAt <= now) this.rings.delete(id)
  }

  /** Number of live entries, for tests of bounded memory. */
  get size(): { keys: number; userRates: number; rings: number } {
    return { keys: this.hot.size, userRates: this.userRates.size, rings: this.rings.size }
  }

  async verify(request: VerifyRequest): Promise<Verdict> {
    const nowMs = this.clock()
    const live = this.userRates.get(request.tag)
    if (live && live.expiresAt <= nowMs) this.userRates.delete(request.tag)
    const ring = this.rings.get(request.id)
    if (ring && ring.expiresAt <= nowMs) this.rings.delete(request.id)
    const raw = memoryVerify({
      hot: this.hot.get(request.id),
      record: this.records.get(request.id),
      hasUserRate: this.userRates.has(request.tag),
      userRate: () => {
        let entry = this.userRates.get(request.tag)
        if (!entry) {
          entry = { hash: new Map(), expiresAt: nowMs + 1000 }
          this.userRates.set(request.tag, entry)
        }
        return entry.hash
      },
      userRateTtl: (ttlMs) => {
        const entry = this.userRates.get(request.tag)
        if (entry) entry.expiresAt = nowMs + ttlMs
      },
      ring: () => {
        let entry = this.rings.get(request.id)
        if (!entry) {
          entry = { hash: new Map(), expiresAt: nowMs + RING_TTL_MS }
          this.rings.set(request.id, entry)
        }
        return entry.hash
      },
      peekRing: () => this.rings.get(request.id)?.hash,
      clientToken: (hash) => this.clientTokens.get(request.id)?.get(hash),
      tokenType: request.type,
      ringTtl: (ttlMs) => {
        const entry = this.rings.get(request.id)
        if (entry) entry.expiresAt = nowMs + ttlMs
      },
      hash: request.hash,
      nowMicros: Math.floor(nowMs * 1000),
      cost: request.cost,
      scopes: request.scopes,
    })
    return decodeVerdict(raw)
  }

  async now(): Promise<number> {
    return this.clock()
  }

  async saveKey(stored: StoredKey, options: SaveKeyOptions = {}): Promise<void> {
    const { id } = stored.key
    const before = this.records.get(id)
    const oldPlan = before ? (JSON.parse(before) as { plan_id: string | null }).plan_id : null
    let hot = this.hot.get(id)
    if (!hot) {
      hot = new Map()
      this.hot.set(id, hot)
    }
    const json = JSON.stringify(stored.key)
    hot.set('rv', recordVersion(json))
    for (const [field, value] of Object.entries(hotConfig(stored))) {
      if (value === null) hot.delete(field)
      else hot.set(field, value)
    }
    if (options.resetWindows) {
      for (const field of WINDOW_FIELDS) hot.delete(field)
      this.rings.delete(id)
    }
    this.records.set(id, json)
    if (oldPlan !== null && oldPlan !== stored.key.plan_id) this.planKeys.get(oldPlan)?.delete(id)
    if (stored.key.plan_id !== null) {
      const set = this.planKeys.get(stored.key.plan_id) ?? new Set()
      set.add(id)
      this.planKeys.set(stored.key.plan_id, set)
    }
  }

  async loadKey(id: string): Promise<LoadedKey | null> {
    const record = this.records.get(id)
    if (record === undefined) return null
    const ring = this.rings.get(id)
    const live = ring && ring.expiresAt > this.clock() ? ring.hash : []
    return loadedKey(record, Object.fromEntries(this.hot.get(id) ?? []), Object.fromEntries(live))
  }

  async deleteKey(id: string): Promise<void> {
    const record = this.records.get(id)
    if (record === undefined) return
    const plan = (JSON.parse(record) as { plan_id: string | null }).plan_id
    this.records.delete(id)
    this.hot.delete(id)
    this.clientTokens.delete(id)
    this.requestLog.delete(id)
    this.rings.delete(id)
    if (plan !== null) this.planKeys.get(plan)?.delete(id)
  }

  async listKeyIds(): Promise<string[]> {
    return [...this.records.keys()].sort()
  }

  async keyIdsOfPlan(planId: string): Promise<string[]> {
    return [...(this.planKeys.get(planId) ?? [])].sort()
  }

  async savePlan(plan: Plan): Promise<void> {
    this.plans.set(plan.id, structuredClone(plan))
  }

  async loadPlan(id: string): Promise<Plan | null> {
    const plan = this.plans.get(id)
    return plan ? structuredClone(plan) : null
  }

  async deletePlan(id: string): Promise<void> {
    this.plans.delete(id)
  }

  async listPlans(): Promise<Plan[]> {
    return [...this.plans.values()]
      .map((p) => structuredClone(p))
      .sort((a, b) => a.id.localeCompare(b.id))
  }

  async appendRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    // Only known keys get a log: a forged token of an unknown id stores nothing.
    this.requestLog.append(entries.filter((entry) => this.records.has(entry.key_id)))
  }

  async requests(id: string, page: { page: number; limit: number }): Promise<RequestPage> {
    return this.requestLog.read(id, page)
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    return this.auditLog.append(entry)
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    return this.auditLog.read(query)
  }

  async saveClientToken(
    keyId: string,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<void> {
    const now = this.clock()
    const tokens = this.clientTokens.get(keyId) ?? new Map<string, string>()
    for (const [field, value] of tokens)
      if (Number(value.split('|')[0]) + EXPIRED_TOKEN_KEPT_MS <= now) tokens.delete(field)
    tokens.set(hash, `${expiresMs}|${scopes.join(',')}`)
    this.clientTokens.set(keyId, tokens)
  }

  async deleteClientTokens(keyId: string): Promise<void> {
    this.clientTokens.delete(keyId)
  }

  async close(): Promise<void> {
    await flushRequestLogs(this)
    clearInterval(this.timer)
  }
}

// Verification never waits on I/O here: the guard needs no timer for it.
markSelfBounded(MemoryStore.prototype.verify)
