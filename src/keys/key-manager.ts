// KeyManager: keys and plans. REST, CLI and TypeScript callers all go through it.

import { conflict, KeyguardError, notFound, planNotFound, validationError } from '../errors'
import { effectiveLimits } from '../limits'
import type { LoadedKey, Store, VersionedPlan, WriteOutcome } from '../store'
import { defaultStore, recordFields, secretFields } from '../store'
import { hashToken, isKeyId, mintToken, newKeyId } from '../token'
import type { ApiKey, ApiKeyWithSecret, KeyRequestPage, KeyUsage, UsageSeries } from '../types'
import { parseInput } from '../validation'
import { type ClientTokenOptions, ClientTokens } from './client-tokens'
import {
  type CreditsBalance,
  type CreditsEdited,
  type CreditsInput,
  changeCredits,
} from './credits'
import { refusePastExpiry } from './expiry'
import { loadKeyRecords } from './key-batch'
import {
  type ImportReport,
  ImportSession,
  importRows,
  type NumberedRow,
  rowsOfBody,
} from './key-import'
import { definedOnly, type Edited, staleVersion, type WriteOptions } from './key-writes'
import { refuseInactivePlan } from './plan-assign'
import { PlanManager } from './plan-manager'
import { syncKeyToPlan } from './plan-sync'
import { retryStale, STALE } from './retry-write'
import {
  type KeyCreateInput,
  type KeyUpdateInput,
  keyCreateSchema,
  keyUpdateSchema,
  type ListQuery,
  listQuerySchema,
  type PageQuery,
  pageQuerySchema,
  regenerateSchema,
} from './schemas'
import { withRequestsSdkFields, withUsageSdkFields } from './sdk-usage'
import { type SeriesQuery, seriesQuerySchema } from './series-query'
import { sameKey } from './unchanged'
import { computeUsage } from './usage'
import { UserManager } from './user-manager'
import { inheritedPlan, syncInheritedKey } from './user-sync'

export interface KeyManagerOptions {
  /** Token prefix, the `kg` of `kg_sk_…`. Defaults to `kg`. */
  prefix?: string
  /** Client token lifetimes: `defaultTtl` (3600 s) and `maxTtl` (86400 s). */
  clientTokens?: ClientTokenOptions
}

export interface Page<T> {
  data: T[]
  count: number
  page: number
  limit: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

export type { Edited, WriteOptions } from './key-writes'

export class KeyManager {
  readonly store: Store
  readonly plans: PlanManager
  /** Client tokens (`kg_ct_…`), minted from an sk key and billed to it. */
  readonly tokens: ClientTokens
  /** Users (Limitly's): their keys, usage, plan and disabled flag. */
  readonly users: UserManager
  private readonly prefix: string

  constructor(store?: Store, options: KeyManagerOptions = {}) {
    this.store = store ?? defaultStore()
    this.prefix = options.prefix ?? 'kg'
    this.plans = new PlanManager(this.store)
    this.tokens = new ClientTokens(this.store, this.prefix, options.clientTokens)
    this.users = new UserManager(this.store, (input) => this.create(input))
  }

  async create(input: KeyCreateInput): Promise<{ data: ApiKeyWithSecret }> {
    const body = parseInput(keyCreateSchema, input)
    const plan = await this.limitsPlan(body.plan_id ?? null, body.user_id ?? null)
    if (body.plan_id) refuseInactivePlan(plan)
    const nowMs = await this.store.now()
    refusePastExpiry(body.expires_at, nowMs)
    const now = iso(nowMs)
    const id = newKeyId(
      body.user_id === null || body.user_id === undefined ? null : String(body.user_id),
    )
    const type = body.type ?? 'sk'
    const key: Omit<ApiKey, 'last_used_at'> = {
      id,
      type,
      name: body.name,
      user_id: body.user_id ?? null,
      plan_id: body.plan_id ?? null,
      status: body.status ?? 'active',
      category: body.category ?? null,
      scopes: body.scopes ?? [],
      metadata: body.metadata ?? {},
      expires_at: body.expires_at ? iso(Date.parse(body.expires_at)) : null,
      quotas: body.quotas ?? {},
      rate: body.rate ?? {},
      created_at: now,
      updated_at: now,
    }
    const token = mintToken(this.prefix, type, id)
    const outcome = await this.store.writeKey({
      id,
      expect: 'new',
      record: key,
      fields: {
        ...secretFields(hashToken(token), null),
        ...recordFields(key, effectiveLimits(key, plan?.plan ?? null), plan?.version ?? 0),
      },
    })
    // A fresh random id that exists already means the generator is broken: never overwrite.
    if (!outcome.ok) throw new Error(`keyguard: key id ${id} already exists`)
    await this.afterWrite(key, null, plan?.version ?? 0)
    return { data: { ...key, last_used_at: null, api_key: token } }
  }

  /**
   * Imports existing keys, plaintext or SHA-256 (`{keys: [rows]}`, at most 1000 rows): see
   * docs/admin-api.md, "Import". `created` lists the new keys (for an audit trail).
   */
  async import(input: unknown): Promise<{ data: ImportReport; created: ApiKey[] }> {
    return this.importRows(rowsOfBody(input))
  }

  /** `import` of rows read from a file; one `session` across the calls of one file. */
  async importRows(
    rows: readonly NumberedRow[],
    session: ImportSession = new ImportSession(),
  ): Promise<{ data: ImportReport; created: ApiKey[] }> {
    const { report, created } = await importRows(this.store, this.prefix, rows, session)
    return { data: report, created }
  }

  /** The key and its version (the REST API's ETag). */
  async read(id: string): Promise<{ data: ApiKey; version: number }> {
    const loaded = await this.load(id)
    return { data: loaded.key, version: loaded.version }
  }

  async get(id: string): Promise<{ data: ApiKey }> {
    return { data: (await this.load(id)).key }
  }

  async list(query: ListQuery = {}): Promise<Page<ApiKey>> {
    const q = parseInput(listQuerySchema, query)
    const ids = await this.store.listKeyIds()
    const keys: ApiKey[] = []
    for (let i = 0; i < ids.length; i += 1000) {
      for (const found of await loadKeyRecords(this.store, ids.slice(i, i + 1000))) {
        if (found) keys.push(found.key)
      }
    }
    const matches = keys
      .filter(
        (k) =>
          (q.status === undefined || k.status === q.status) &&
          (q.category === undefined || k.category === q.category) &&
          (q.user_id === undefined || String(k.user_id) === q.user_id) &&
          (q.plan_id === undefined || k.plan_id === q.plan_id),
      )
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
    const start = (q.page - 1) * q.limit
    return {
      data: matches.slice(start, start + q.limit),
      count: matches.length,
      page: q.page,
      limit: q.limit,
    }
  }

  async update(
    id: string,
    input: KeyUpdateInput,
    options: WriteOptions = {},
  ): Promise<{ data: ApiKey }> {
    const { data } = await this.edit(id, input, options)
    return { data }
  }

  /**
   * `update`, plus the record as it was just before this write and the new version: what an
   * audit trail records. Only the fields in `input` change; a concurrent write of other fields
   * is kept (the write is applied to the current record, retried if another write lands first).
   * An edit that changes nothing writes nothing: `changed` is false and the version stays.
   */
  async edit(id: string, input: KeyUpdateInput, options: WriteOptions = {}): Promise<Edited> {
    const body = parseInput(keyUpdateSchema, input)
    let planVersion = 0
    const written = await retryStale(`API key ${id}`, async () => {
      const loaded = await this.loadAt(id, options.ifMatch)
      refuseRevoked(loaded.key)
      refuseUserMove(loaded.key, body.user_id)
      const plan = await this.limitsPlan(
        body.plan_id === undefined ? loaded.key.plan_id : body.plan_id,
        loaded.key.user_id,
      )
      if (body.plan_id && body.plan_id !== loaded.key.plan_id) refuseInactivePlan(plan)
      const nowMs = await this.store.now()
      refusePastExpiry(body.expires_at, nowMs, loaded.key.expires_at)
      const now = iso(nowMs)
      const { last_used_at, ...current } = loaded.key
      const key: Omit<ApiKey, 'last_used_at'> = {
        ...current,
        ...definedOnly({
          name: body.name,
          status: body.status,
          category: body.category,
          scopes: body.scopes,
          metadata: body.metadata,
          plan_id: body.plan_id,
        }),
        expires_at:
          body.expires_at === undefined
            ? current.expires_at
            : body.expires_at === null
              ? null
              : iso(Date.parse(body.expires_at)),
        quotas: { ...current.quotas, ...(body.quotas ?? {}) },
        rate: { ...current.rate, ...(body.rate ?? {}) },
        updated_at: now,
      }
      // Nothing to change: no write, no new version (the ETag stands), nothing to audit.
      if (sameKey(key, current)) {
        return { before: loaded.key, data: loaded.key, version: loaded.version, changed: false }
      }
      const limits = effectiveLimits(key, plan?.plan ?? null)
      planVersion = plan?.version ?? 0
      const outcome = await this.store.writeKey({
        id,
        expect: loaded.version,
        record: key,
        fields: recordFields(key, limits, plan?.version ?? 0),
        resetWindows: limits.quota_window !== loaded.limits.quota_window,
        // A deactivated key's client tokens die with it, and stay dead if it is reactivated.
        dropClientTokens: key.status === 'inactive',
      })
      return this.settled(id, outcome, options, () => ({
        before: loaded.key,
        data: { ...key, last_used_at },
        changed: true,
      }))
    })
    if (written.changed) await this.afterWrite(written.data, written.before.plan_id, planVersion)
    return written
  }

  /**
   * Revokes a key for good: from the next request on it answers 401 INACTIVE_API_KEY, its client
   * tokens die, and it can never be reactivated or changed again; its usage and request history
   * stay. Revoking a revoked key changes nothing (`changed` is false).
   */
  async revoke(id: string, options: WriteOptions = {}): Promise<Edited> {
    return retryStale(`API key ${id}`, async () => {
      const loaded = await this.loadAt(id, options.ifMatch)
      if (loaded.key.status === 'revoked') {
        return { before: loaded.key, data: loaded.key, version: loaded.version, changed: false }
      }
      const { last_used_at, ...current } = loaded.key
      const key = {
        ...current,
        status: 'revoked' as const,
        updated_at: iso(await this.store.now()),
      }
      const outcome = await this.store.writeKey({
        id,
        expect: loaded.version,
        record: key,
        fields: { s: '0' },
        dropClientTokens: true,
      })
      return this.settled(id, outcome, options, () => ({
        before: loaded.key,
        data: { ...key, last_used_at },
        changed: true,
      }))
    })
  }

  async regenerate(
    id: string,
    input: { grace_seconds?: number } = {},
    options: WriteOptions = {},
  ): Promise<{ data: ApiKeyWithSecret }> {
    const body = parseInput(regenerateSchema, input)
    const grace = body.grace_seconds ?? 0
    return retryStale(`API key ${id}`, async () => {
      const loaded = await this.loadAt(id, options.ifMatch)
      refuseRevoked(loaded.key)
      const nowMs = await this.store.now()
      const { last_used_at, ...current } = loaded.key
      const key = { ...current, updated_at: iso(nowMs) }
      const token = mintToken(this.prefix, key.type, id)
      const previous = grace > 0 ? { hash: loaded.secretHash, untilMs: nowMs + grace * 1000 } : null
      const outcome = await this.store.writeKey({
        id,
        expect: loaded.version,
        record: key,
        fields: secretFields(hashToken(token), previous),
        dropClientTokens: true,
      })
      return this.settled(id, outcome, options, () => ({
        data: { ...key, last_used_at, api_key: token },
      }))
    })
  }

  /**
   * Sets (`set`), tops up (`increment`) or takes from (`decrement`) a key's credits: what is left of
   * its total quota (`quotas.total` minus the credits used). Atomic against concurrent traffic; see
   * docs/admin-api.md. Returns the key and its balance after the change.
   */
  async credits(
    id: string,
    input: CreditsInput,
    options: WriteOptions = {},
  ): Promise<{ data: ApiKey; credits: CreditsBalance }> {
    const { data, credits } = await this.creditsEdit(id, input, options)
    return { data, credits }
  }

  /** `credits`, plus the record before the change and the new version: what an audit trail records. */
  creditsEdit(id: string, input: CreditsInput, options: WriteOptions = {}): Promise<CreditsEdited> {
    return changeCredits(this.store, id, input, options)
  }

  async delete(id: string, options: WriteOptions = {}): Promise<{ data: { message: string } }> {
    const { data } = await this.remove(id, options)
    return { data }
  }

  /** `delete`, plus the record that was deleted: what an audit trail records. */
  async remove(
    id: string,
    options: WriteOptions = {},
  ): Promise<{ data: { message: string }; before: ApiKey }> {
    const outcome = isKeyId(id) ? await this.store.deleteKey(id, options.ifMatch) : null
    if (outcome === null || (!outcome.ok && outcome.reason === 'missing')) throw notFound(id)
    if (!outcome.ok && outcome.reason === 'stale') throw staleVersion(id, options.ifMatch)
    if (!outcome.ok) {
      throw new KeyguardError(
        409,
        'KEY_IN_USE',
        'This API key has been used and cannot be deleted; deactivate it instead (status "inactive")',
        { id },
      )
    }
    await this.store.unindexKey(id, outcome.record.plan_id)
    return {
      data: { message: 'API key deleted successfully' },
      before: { ...outcome.record, last_used_at: null },
    }
  }

  /** The key's usage per window, with Limitly's camelCase fields (see sdk-usage.ts). */
  async usage(id: string): Promise<{ data: KeyUsage }> {
    const loaded = await this.load(id)
    const nowMs = await this.store.now()
    const usage = computeUsage(loaded, nowMs)
    return { data: withUsageSdkFields(loaded, usage, nowMs, await this.planNameOf(loaded.key)) }
  }

  /** The key's logged requests, newest first: `{ data: { requests, count, …Limitly's fields } }`. */
  async requests(id: string, query: PageQuery = {}): Promise<{ data: KeyRequestPage }> {
    const loaded = await this.load(id)
    const page = parseInput(pageQuerySchema, query)
    const nowMs = await this.store.now()
    const requests = await this.store.requests(id, page)
    return {
      data: withRequestsSdkFields(loaded, computeUsage(loaded, nowMs), nowMs, requests),
    }
  }

  /**
   * The key's requests per hour over the last 7 days (`granularity: "hour"`, the default) or per
   * day over the last 90 (`"day"`): allowed, and rejected by code, every bucket oldest first.
   */
  async series(id: string, query: SeriesQuery = {}): Promise<{ data: UsageSeries }> {
    const { granularity } = parseInput(seriesQuerySchema, query)
    await this.load(id)
    const nowMs = await this.store.now()
    return { data: await this.store.usageSeries(id, granularity, nowMs) }
  }

  /** The name of the plan the key's limits come from (its own, else its user's), or null. */
  private async planNameOf(key: ApiKey): Promise<string | null> {
    const plan =
      key.plan_id !== null
        ? await this.store.loadPlan(key.plan_id)
        : await inheritedPlan(this.store, key.user_id)
    return plan?.plan.name ?? null
  }

  private async load(id: string): Promise<LoadedKey> {
    const loaded = isKeyId(id) ? await this.store.loadKey(id) : null
    if (!loaded) throw notFound(id)
    return loaded
  }

  /** The key, which must still be at version `ifMatch` when one is given. */
  private async loadAt(id: string, ifMatch: number | undefined): Promise<LoadedKey> {
    const loaded = await this.load(id)
    if (ifMatch !== undefined && loaded.version !== ifMatch) throw staleVersion(id, ifMatch)
    return loaded
  }

  /** The value of a landed write; STALE to retry; a pinned version or a vanished key ends it. */
  private settled<T>(
    id: string,
    outcome: WriteOutcome,
    options: WriteOptions,
    value: () => T,
  ): (T & { version: number }) | typeof STALE {
    if (outcome.ok) return { ...value(), version: outcome.version }
    if (outcome.reason === 'missing') throw notFound(id)
    if (options.ifMatch !== undefined) throw staleVersion(id, options.ifMatch)
    return STALE
  }

  /** Indexes a written key, then brings its limits up to a plan edit that raced with the write. */
  private async afterWrite(
    key: Pick<ApiKey, 'id' | 'plan_id' | 'user_id'>,
    previousPlanId: string | null,
    planVersion: number,
  ): Promise<void> {
    await this.store.indexKey(key.id, key.plan_id, previousPlanId)
    // A plan-less key takes its user's plan: a user or plan edit that raced the write is caught up.
    if (key.plan_id === null) {
      if (key.user_id !== null) await syncInheritedKey(this.store, key.id)
      return
    }
    // Only a plan edit that landed since the write's read of the plan needs the key re-synced.
    const plan = await this.store.loadPlan(key.plan_id)
    if (plan && plan.version !== planVersion) await syncKeyToPlan(this.store, key.id)
  }

  /** The plan a key's limits come from: its own, else its user's (see user-sync.ts). */
  private async limitsPlan(
    planId: string | null,
    userId: ApiKey['user_id'],
  ): Promise<VersionedPlan | null> {
    return planId === null ? inheritedPlan(this.store, userId) : this.planOf(planId)
  }

  private async planOf(planId: string | null): Promise<VersionedPlan | null> {
    if (planId === null) return null
    const plan = await this.store.loadPlan(planId)
    if (!plan) throw planNotFound(planId)
    return plan
  }
}

/**
 * Limitly's SDK sends `user_id` on update: the key's own is accepted (and changes nothing). A key
 * cannot move to another user: its id carries the user's hash slot.
 */
function refuseUserMove(key: ApiKey, userId: ApiKey['user_id'] | undefined): void {
  if (userId === undefined || String(userId ?? '') === String(key.user_id ?? '')) return
  throw validationError(
    'user_id',
    `a key cannot move to another user (its id carries the hash slot of user ${key.user_id === null ? 'none' : String(key.user_id)}); create a new key for the other user instead`,
  )
}

/** A revoked key is final: no edit, no new secret. */
function refuseRevoked(key: ApiKey): void {
  if (key.status === 'revoked') {
    throw conflict(
      `API key ${key.id} is revoked: it can never be changed or reactivated; create a new key`,
      {
        id: key.id,
      },
    )
  }
}
