// Plans: CRUD, and an edit rewrites the effective limits of every key on the plan, in batches.

import { randomBytes } from 'node:crypto'
import { encodeBase62 } from './base62'
import { KeyguardError, planNotFound, validationError } from './errors'
import { loadKeyRecords, rewriteLimits } from './key-batch'
import { effectiveLimits } from './limits'
import { parseInput } from './parse-input'
import {
  type PlanCreateInput,
  type PlanUpdateInput,
  planCreateSchema,
  planUpdateSchema,
} from './schemas'
import type { LimitsWrite, Store } from './store'
import type { Plan } from './types'

export interface PlanUpdateOptions {
  /** Called after each batch of rewritten keys. */
  onProgress?: (done: number, total: number) => void
  /** Keys read and rewritten per batch (one pipeline each way on Redis). Defaults to 1000. */
  batchSize?: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

export class PlanManager {
  constructor(private readonly store: Store) {}

  async create(input: PlanCreateInput): Promise<{ data: Plan }> {
    const body = parseInput(planCreateSchema, input)
    const id = body.id ?? `plan_${encodeBase62(randomBytes(8), 11)}`
    if (await this.store.loadPlan(id))
      throw validationError('id', `A plan with id "${id}" already exists`)
    const now = iso(await this.store.now())
    const plan: Plan = {
      id,
      name: body.name,
      rate: body.rate ?? {},
      quotas: body.quotas ?? {},
      quota_window: body.quota_window ?? 'rolling',
      rate_scope: body.rate_scope ?? 'key',
      created_at: now,
      updated_at: now,
    }
    await this.store.savePlan(plan)
    return { data: plan }
  }

  async get(id: string): Promise<{ data: Plan }> {
    const plan = await this.store.loadPlan(id)
    if (!plan) throw planNotFound(id)
    return { data: plan }
  }

  async list(): Promise<{ data: Plan[]; count: number }> {
    const plans = await this.store.listPlans()
    return { data: plans, count: plans.length }
  }

  async update(
    id: string,
    input: PlanUpdateInput,
    options: PlanUpdateOptions = {},
  ): Promise<{ data: Plan }> {
    const current = (await this.get(id)).data
    const body = parseInput(planUpdateSchema, input)
    const plan: Plan = {
      ...current,
      name: body.name ?? current.name,
      rate: { ...current.rate, ...(body.rate ?? {}) },
      quotas: { ...current.quotas, ...(body.quotas ?? {}) },
      quota_window: body.quota_window ?? current.quota_window,
      rate_scope: body.rate_scope ?? current.rate_scope,
      updated_at: iso(await this.store.now()),
    }
    await this.store.savePlan(plan)
    const ids = await this.store.keyIdsOfPlan(id)
    const batch = options.batchSize ?? 1000
    for (let i = 0; i < ids.length; i += batch) {
      const writes: Array<LimitsWrite & { resetWindows: boolean }> = []
      for (const found of await loadKeyRecords(this.store, ids.slice(i, i + batch))) {
        if (!found || found.key.plan_id !== id) continue
        const { last_used_at, ...key } = found.key
        const limits = effectiveLimits(key, plan)
        writes.push({
          key,
          limits,
          resetWindows: limits.quota_window !== found.limits.quota_window,
        })
      }
      await rewriteLimits(this.store, writes)
      options.onProgress?.(Math.min(i + batch, ids.length), ids.length)
    }
    return { data: plan }
  }

  async delete(id: string): Promise<{ data: { message: string } }> {
    await this.get(id)
    const keys = await this.store.keyIdsOfPlan(id)
    if (keys.length > 0) {
      throw new KeyguardError(
        409,
        'PLAN_IN_USE',
        `This plan is used by ${keys.length} key(s); move them to another plan first`,
        { id, keys: keys.length },
      )
    }
    await this.store.deletePlan(id)
    return { data: { message: 'Plan deleted successfully' } }
  }
}
