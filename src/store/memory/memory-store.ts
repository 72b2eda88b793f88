// MemoryStore: the embedded store for one process, demos and tests; same semantics as RedisStore.

import { RING_TTL_MS } from '../../limits'
import { TAG_LENGTH } from '../../token'
import type {
  Plan,
  RequestLogEntry,
  RequestPage,
  SeriesGranularity,
  UsageSeries,
} from '../../types'
import type { AuditLogCaps } from '../audit-caps'
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from '../audit-records'
import { markSelfBounded } from '../bounded-verify'
import { runCloseHooks } from '../close-hooks'
import { type CreditsOutcome, type CreditsWrite, creditLimit, splitRecordJson } from '../credits'
import { recordVersion, WINDOW_FIELDS } from '../hot-fields'
import type { RequestLogCaps } from '../request-log-caps'
import { loadedKey } from '../stored-key'
import {
  type DeleteOutcome,
  EXPIRED_TOKEN_KEPT_MS,
  type KeyWrite,
  type LoadedKey,
  type Store,
  type VerifyRequest,
  type VersionedPlan,
  type WriteOutcome,
} from '../types'
import type { StoredUser, VersionedUser } from '../user-store'
import { decodeVerdict, type Verdict } from '../verdict'
import { MemoryAuditLog } from './memory-audit-log'
import { MemoryRequestLog } from './memory-request-log'
import { MemoryUsers } from './memory-users'
import { type Hash, memoryVerify } from './memory-verify'
import { writeVersioned } from './versioned-write'

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
  private readonly plans = new Map<string, VersionedPlan>()
  private readonly planKeys = new Map<string, Set<string>>()
  private readonly users = new MemoryUsers()
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
    // Usage series of keys no longer logged to go when their TTL passes, not at their next write.
    this.requestLog.series.sweep(now)
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
      userDisabled: this.users.isDisabled(request.tag),
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
        if (entry) entry.expiresAt = Math.max(entry.expiresAt, nowMs + ttlMs)
      },
      hash: request.hash,
      nowMicros: Math.floor(nowMs * 1000),
      cost: request.cost,
      scopes: request.scopes,
    })
    return decodeVerdict(raw, nowMs)
  }

  async now(): Promise<number> {
    return this.clock()
  }

  // Writes run without an await between their check and their change: atomic in one process.
  async writeKey(write: KeyWrite): Promise<WriteOutcome> {
    const { id } = write
    const exists = this.records.has(id)
    const hot = this.hot.get(id) ?? new Map<string, string>()
    const version = Number(hot.get('v') ?? 0)
    if (write.expect === 'new') {
      if (exists) return { ok: false, reason: 'exists' }
    } else if (!exists) {
      return { ok: false, reason: 'missing' }
    } else if (write.expect !== version) {
      return { ok: false, reason: 'stale' }
    }
    if (write.record !== undefined) {
      const json = JSON.stringify(write.record)
      this.records.set(id, json)
      hot.set('rv', recordVersion(json))
    }
    hot.set('v', String(version + 1))
    for (const [field, value] of Object.entries(write.fields)) {
      if (value === null) hot.delete(field)
      else hot.set(field, value)
    }
    if (write.resetWindows) {
      for (const field of WINDOW_FIELDS) hot.delete(field)
      this.rings.delete(id)
    }
    if (write.dropClientTokens) this.clientTokens.delete(id)
    this.hot.set(id, hot)
    return { ok: true, version: version + 1 }
  }

  // As write-credits.lua: the credits used and the new limit are read and written with no await between.
  async writeCredits(write: CreditsWrite): Promise<CreditsOutcome> {
    const hot = this.hot.get(write.id)
    if (!this.records.has(write.id) || hot === undefined) return { ok: false, reason: 'missing' }
    const version = Number(hot.get('v') ?? 0)
    if (write.expect !== version) return { ok: false, reason: 'stale' }
    const used = Number(hot.get('tt') ?? 0)
    const qt = hot.get('qt')
    const before = qt === undefined ? null : Number(qt)
    const limit = creditLimit(write.op, write.amount, used, before)
    if (limit === null) return { ok: false, reason: 'unlimited' }
    const [head, tail] = splitRecordJson(write.record)
    const json = `${head}${limit}${tail}`
    this.records.set(write.id, json)
    hot.set('qt', String(limit))
    hot.set('v', String(version + 1))
    hot.set('rv', recordVersion(json))
    return { ok: true, version: version + 1, used, before, limit }
  }

  async loadKey(id: string): Promise<LoadedKey | null> {
    const record = this.records.get(id)
    if (record === undefined) return null
    const now = this.clock()
    const ring = this.rings.get(id)
    const live = ring && ring.expiresAt > now ? ring.hash : []
    const shared = this.userRates.get(id.slice(0, TAG_LENGTH))
    const rates = shared && shared.expiresAt > now ? shared.hash : undefined
    return loadedKey(record, Object.fromEntries(this.hot.get(id) ?? []), Object.fromEntries(live), {
      ts: rates?.get('ts'),
      tm: rates?.get('tm'),
    })
  }

  async deleteKey(id: string, expect?: number): Promise<DeleteOutcome> {
    const record = this.records.get(id)
    if (record === undefined) return { ok: false, reason: 'missing' }
    const hot = this.hot.get(id)
    if (expect !== undefined && expect !== Number(hot?.get('v') ?? 0)) {
      return { ok: false, reason: 'stale' }
    }
    // Used, or refused: any request history (rejected requests included) keeps the key.
    if (hot?.has('lu') || Number(hot?.get('tt') ?? 0) > 0 || this.requestLog.has(id)) {
      return { ok: false, reason: 'in_use' }
    }
    this.records.delete(id)
    this.hot.delete(id)
    this.clientTokens.delete(id)
    this.requestLog.delete(id)
    this.rings.delete(id)
    return { ok: true, record: JSON.parse(record) }
  }

  async indexKey(id: string, planId: string | null, previousPlanId: string | null): Promise<void> {
    if (previousPlanId !== null && previousPlanId !== planId) {
      this.planKeys.get(previousPlanId)?.delete(id)
    }
    if (planId !== null) {
      const set = this.planKeys.get(planId) ?? new Set()
      set.add(id)
      this.planKeys.set(planId, set)
    }
  }

  async unindexKey(id: string, planId: string | null): Promise<void> {
    if (planId !== null) this.planKeys.get(planId)?.delete(id)
  }

  async listKeyIds(): Promise<string[]> {
    return [...this.records.keys()].sort()
  }

  async keyIdsOfPlan(planId: string): Promise<string[]> {
    return [...(this.planKeys.get(planId) ?? [])].sort()
  }

  async writePlan(id: string, plan: Plan | null, expect: number | 'new'): Promise<WriteOutcome> {
    return writeVersioned(this.plans, 'plan', id, plan, expect)
  }

  async loadPlan(id: string): Promise<VersionedPlan | null> {
    const found = this.plans.get(id)
    return found ? structuredClone(found) : null
  }

  async listPlans(): Promise<Plan[]> {
    return [...this.plans.values()]
      .map((p) => structuredClone(p.plan))
      .sort((a, b) => a.id.localeCompare(b.id))
  }

  async writeUser(
    id: string,
    user: StoredUser | null,
    expect: number | 'new',
  ): Promise<WriteOutcome> {
    return this.users.write(id, user, expect)
  }

  async loadUser(id: string): Promise<VersionedUser | null> {
    return this.users.load(id)
  }

  async listUsers(): Promise<StoredUser[]> {
    return this.users.list()
  }

  async nextUserId(): Promise<number> {
    return this.users.next()
  }

  async setUserDisabled(tag: string, disabled: boolean): Promise<void> {
    this.users.setDisabled(tag, disabled)
  }

  async appendRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    // Only known keys get a log: a forged token of an unknown id stores nothing.
    this.requestLog.append(entries.filter((entry) => this.records.has(entry.key_id)))
  }

  async requests(id: string, page: { page: number; limit: number }): Promise<RequestPage> {
    return this.requestLog.read(id, page)
  }

  async usageSeries(
    id: string,
    granularity: SeriesGranularity,
    nowMs: number,
  ): Promise<UsageSeries> {
    return this.requestLog.usageSeries(id, granularity, nowMs)
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    return this.auditLog.append(entry)
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    return this.auditLog.read(query)
  }

  async saveClientToken(
    keyId: string,
    keyVersion: number,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<'ok' | 'stale'> {
    const hot = this.hot.get(keyId)
    if (hot?.get('s') !== '1' || Number(hot.get('v') ?? 0) !== keyVersion) return 'stale'
    const now = this.clock()
    const tokens = this.clientTokens.get(keyId) ?? new Map<string, string>()
    for (const [field, value] of tokens)
      if (Number(value.split('|')[0]) + EXPIRED_TOKEN_KEPT_MS <= now) tokens.delete(field)
    tokens.set(hash, `${expiresMs}|${scopes.join(',')}`)
    this.clientTokens.set(keyId, tokens)
    return 'ok'
  }

  sharedRedis(): null {
    return null
  }

  async close(): Promise<void> {
    await runCloseHooks(this)
    clearInterval(this.timer)
  }
}

// Verification never waits on I/O here: the guard needs no timer for it.
markSelfBounded(MemoryStore.prototype.verify)
