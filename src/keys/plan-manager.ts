// Plans: CRUD, and an edit rewrites the effective limits of every key on the plan, in batches.

import { randomBytes } from 'node:crypto'
import { conflict, KeyguardError, planNotFound } from '../errors'
import { requestPeriodOf, withLimitlyFields } from '../limits'
import type { AdminStore, VersionedPlan } from '../store'
import { encodeBase62 } from '../token'
import type { Plan, PlanKeys, PlanUsage } from '../types'
import { parseInput } from '../validation'
import { loadKeyRecords } from './key-batch'
import { applyRequestPeriod } from './plan-limitly'
import { syncKeyToPlan, writePlanLimits } from './plan-sync'
import { keysOnPlan, planUsage } from './plan-usage'
import { retryStale, STALE } from './retry-write'
import {
  type PlanCreateInput,
  type PlanUpdateInput,
  planCreateSchema,
  planUpdateSchema,
} from './schemas'
import { samePlan } from './unchanged'
import { syncUsersOfPlan } from './user-sync'

export interface PlanUpdateOptions {
  /** Called after each batch of rewritten keys. */
  onProgress?: (done: number, total: number) => void
  /** Keys read and rewritten per batch (one pipeline each way on Redis). Defaults to 1000. */
  batchSize?: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

export class PlanManager {
  constructor(private readonly store: AdminStore) {}

  async create(input: PlanCreateInput): Promise<{ data: Plan }> {
    const body = parseInput(planCreateSchema, input)
    const id = body.id ?? `plan_${encodeBase62(randomBytes(8), 11)}`
    const now = iso(await this.store.now())
    const quotas = applyRequestPeriod(body.quotas ?? {}, null, body)
    const plan: Plan = {
      id,
      name: body.name,
      rate: body.rate ?? {},
      quotas,
      quota_window: body.quota_window ?? 'rolling',
      rate_scope: body.rate_scope ?? 'key',
      description: body.description ?? null,
      ...requestPeriodOf(quotas),
      is_active: body.is_active ?? true,
      owner_id: null,
      created_at: now,
      updated_at: now,
    }
    const outcome = await this.store.writePlan(id, plan, 'new')
    // A conflict with what is stored, as KEY_IN_USE and PLAN_IN_USE are: 409, not a bad input.
    if (!outcome.ok) throw conflict(`A plan with id "${id}" already exists`, { id })
    return { data: plan }
  }

  async get(id: string): Promise<{ data: Plan }> {
    return { data: (await this.load(id)).plan }
  }

  /** `GET /plans/:id/usage`: the use of the plan's keys in its request period (plan-usage.ts). */
  async usage(id: string): Promise<{ data: PlanUsage }> {
    return { data: await planUsage(this.store, (await this.load(id)).plan) }
  }

  /** `GET /plans/:id/keys`: the plan, and the keys whose limits come from it. */
  async keys(id: string): Promise<{ data: PlanKeys }> {
    const { plan } = await this.load(id)
    return { data: { plan, api_keys: await keysOnPlan(this.store, id) } }
  }

  async list(): Promise<{ data: Plan[]; count: number }> {
    const plans = (await this.store.listPlans()).map(withLimitlyFields)
    return { data: plans, count: plans.length }
  }

  async update(
    id: string,
    input: PlanUpdateInput,
    options: PlanUpdateOptions = {},
  ): Promise<{ data: Plan }> {
    const { data } = await this.edit(id, input, options)
    return { data }
  }

  /**
   * `update`, plus the plan as it was just before this write. The plan is written at the version
   * it was read (retried if another edit lands first); then every key on it gets the new limits,
   * unless a newer edit of the plan already gave it newer ones. An edit that changes nothing
   * saves nothing (`changed` is false) and rewrites only the keys still behind the plan's current
   * version, which an interrupted edit can leave: sending it again finishes that edit.
   */
  async edit(
    id: string,
    input: PlanUpdateInput,
    options: PlanUpdateOptions = {},
  ): Promise<{ data: Plan; before: Plan; changed: boolean }> {
    const body = parseInput(planUpdateSchema, input)
    const saved = await retryStale(`Plan ${id}`, async () => {
      const current = await this.load(id)
      const before = current.plan.quotas
      const quotas = applyRequestPeriod({ ...before, ...(body.quotas ?? {}) }, before, body)
      const plan: Plan = withLimitlyFields({
        ...current.plan,
        name: body.name ?? current.plan.name,
        rate: { ...current.plan.rate, ...(body.rate ?? {}) },
        quotas,
        quota_window: body.quota_window ?? current.plan.quota_window,
        rate_scope: body.rate_scope ?? current.plan.rate_scope,
        description: body.description === undefined ? current.plan.description : body.description,
        is_active: body.is_active ?? current.plan.is_active,
        updated_at: iso(await this.store.now()),
      })
      if (samePlan(plan, current.plan))
        return { before: current.plan, plan: current, changed: false }
      const outcome = await this.store.writePlan(id, plan, current.version)
      if (outcome.ok) {
        return { before: current.plan, plan: { plan, version: outcome.version }, changed: true }
      }
      if (outcome.reason === 'missing') throw planNotFound(id)
      return STALE
    })
    await this.rewriteKeys(saved.plan, options)
    await syncUsersOfPlan(this.store, id)
    return { data: saved.plan.plan, before: saved.before, changed: saved.changed }
  }

  async delete(id: string): Promise<{ data: { message: string } }> {
    const { data } = await this.remove(id)
    return { data }
  }

  /** `delete`, plus the plan that was deleted. */
  async remove(id: string): Promise<{ data: { message: string }; before: Plan }> {
    const before = await retryStale(`Plan ${id}`, async () => {
      const current = await this.load(id)
      const keys = await this.keysOn(id)
      if (keys > 0) {
        throw new KeyguardError(
          409,
          'PLAN_IN_USE',
          `This plan is used by ${keys} key(s); move them to another plan first`,
          { id, keys },
        )
      }
      const users = (await this.store.listUsers()).filter((u) => u.plan_id === id).length
      if (users > 0) {
        throw new KeyguardError(
          409,
          'PLAN_IN_USE',
          `This plan is the plan of ${users} user(s); give them another plan first`,
          { id, users },
        )
      }
      const outcome = await this.store.writePlan(id, null, current.version)
      if (outcome.ok) return current.plan
      if (outcome.reason === 'missing') throw planNotFound(id)
      return STALE
    })
    return { data: { message: 'Plan deleted successfully' }, before }
  }

  private async load(id: string): Promise<VersionedPlan> {
    const plan = await this.store.loadPlan(id)
    if (!plan) throw planNotFound(id)
    return { plan: withLimitlyFields(plan.plan), version: plan.version }
  }

  /** Keys whose record names the plan (the index can hold ids that a racing write moved away). */
  private async keysOn(id: string): Promise<number> {
    const found = await loadKeyRecords(this.store, await this.store.keyIdsOfPlan(id))
    return found.filter((record) => record?.key.plan_id === id).length
  }

  /** Gives every key on the plan its limits, a batch at a time; a key that raced is synced alone. */
  private async rewriteKeys(plan: VersionedPlan, options: PlanUpdateOptions): Promise<void> {
    const ids = await this.store.keyIdsOfPlan(plan.plan.id)
    const batch = options.batchSize ?? 1000
    for (let i = 0; i < ids.length; i += batch) {
      const found = await loadKeyRecords(this.store, ids.slice(i, i + batch))
      await Promise.all(
        found.map(async (record) => {
          if (!record) return
          if ((await writePlanLimits(this.store, record, plan)) === 'stale') {
            await syncKeyToPlan(this.store, record.key.id)
          }
        }),
      )
      options.onProgress?.(Math.min(i + batch, ids.length), ids.length)
    }
  }
}
