// KeyManager: keys and plans. REST, CLI and TypeScript callers all go through it.

import { type ClientTokenOptions, ClientTokens } from './client-tokens'
import { defaultStore } from './default-store'
import { KeyguardError, notFound, planNotFound } from './errors'
import { loadKeyRecords } from './key-batch'
import { effectiveLimits } from './limits'
import { parseInput } from './parse-input'
import { PlanManager } from './plan-manager'
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
import type { LoadedKey, Store } from './store'
import { hashToken, isKeyId, mintToken, newKeyId } from './token'
import type { ApiKey, ApiKeyWithSecret, Plan, RequestPage, Usage } from './types'
import { computeUsage } from './usage'

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

export class KeyManager {
  readonly store: Store
  readonly plans: PlanManager
  /** Client tokens (`kg_ct_…`), minted from an sk key and billed to it. */
  readonly tokens: ClientTokens
  private readonly prefix: string

  constructor(store?: Store, options: KeyManagerOptions = {}) {
    this.store = store ?? defaultStore()
    this.prefix = options.prefix ?? 'kg'
    this.plans = new PlanManager(this.store)
    this.tokens = new ClientTokens(this.store, this.prefix, options.clientTokens)
  }

  async create(input: KeyCreateInput): Promise<{ data: ApiKeyWithSecret }> {
    const body = parseInput(keyCreateSchema, input)
    const plan = await this.planOf(body.plan_id ?? null)
    const now = iso(await this.store.now())
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
    await this.store.saveKey({
      key,
      limits: effectiveLimits(key, plan),
      secretHash: hashToken(token),
    })
    return { data: { ...key, last_used_at: null, api_key: token } }
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

  async update(id: string, input: KeyUpdateInput): Promise<{ data: ApiKey }> {
    const loaded = await this.load(id)
    const body = parseInput(keyUpdateSchema, input)
    const plan = await this.planOf(body.plan_id === undefined ? loaded.key.plan_id : body.plan_id)
    const now = iso(await this.store.now())
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
    const limits = effectiveLimits(key, plan)
    await this.store.saveKey(
      { key, limits, secretHash: loaded.secretHash, previous: loaded.previous ?? null },
      { resetWindows: limits.quota_window !== loaded.limits.quota_window },
    )
    // A deactivated key's client tokens die with it, and stay dead if it is reactivated.
    if (key.status === 'inactive') await this.store.deleteClientTokens(id)
    return { data: { ...key, last_used_at } }
  }

  async regenerate(
    id: string,
    input: { grace_seconds?: number } = {},
  ): Promise<{ data: ApiKeyWithSecret }> {
    const loaded = await this.load(id)
    const body = parseInput(regenerateSchema, input)
    const nowMs = await this.store.now()
    const grace = body.grace_seconds ?? 0
    const { last_used_at, ...current } = loaded.key
    const key = { ...current, updated_at: iso(nowMs) }
    const token = mintToken(this.prefix, key.type, id)
    await this.store.saveKey({
      key,
      limits: loaded.limits,
      secretHash: hashToken(token),
      previous: grace > 0 ? { hash: loaded.secretHash, untilMs: nowMs + grace * 1000 } : null,
    })
    await this.store.deleteClientTokens(id)
    return { data: { ...key, last_used_at, api_key: token } }
  }

  async delete(id: string): Promise<{ data: { message: string } }> {
    const loaded = await this.load(id)
    if (loaded.key.last_used_at !== null || Number(loaded.counters.tt ?? 0) > 0) {
      throw new KeyguardError(
        409,
        'KEY_IN_USE',
        'This API key has been used and cannot be deleted; deactivate it instead (status "inactive")',
        { id },
      )
    }
    await this.store.deleteClientTokens(id)
    await this.store.deleteKey(id)
    return { data: { message: 'API key deleted successfully' } }
  }

  async usage(id: string): Promise<{ data: Usage }> {
    const loaded = await this.load(id)
    return { data: computeUsage(loaded, await this.store.now()) }
  }

  /** The key's logged requests, newest first: `{ data: { requests, count } }`. */
  async requests(id: string, query: PageQuery = {}): Promise<{ data: RequestPage }> {
    await this.load(id)
    return { data: await this.store.requests(id, parseInput(pageQuerySchema, query)) }
  }

  private async load(id: string): Promise<LoadedKey> {
    const loaded = isKeyId(id) ? await this.store.loadKey(id) : null
    if (!loaded) throw notFound(id)
    return loaded
  }

  private async planOf(planId: string | null): Promise<Plan | null> {
    if (planId === null) return null
    const plan = await this.store.loadPlan(planId)
    if (!plan) throw planNotFound(planId)
    return plan
  }
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
