// A plan's keys and their use (Limitly's GET /plans/:id/usage and /plans/:id/keys).

import { WINDOW_OF_PERIOD } from '../limits'
import type { AdminStore, LoadedKey } from '../store'
import type { ApiKey, Plan, PlanUsage } from '../types'
import { loadKeyRecords } from './key-batch'
import { percentOf } from './sdk-usage'
import { computeUsage } from './usage'
import { keysOfUsers } from './user-sync'

/**
 * The keys whose limits come from the plan: those that name it, and the plan-less keys of the
 * users on it (they take their user's plan). Newest first, as `GET /keys` lists them.
 */
export async function keysOnPlan(store: AdminStore, planId: string): Promise<ApiKey[]> {
  const own = await loadKeyRecords(store, await store.keyIdsOfPlan(planId))
  const users = (await store.listUsers()).filter((u) => u.plan_id === planId)
  const inherited = await keysOfUsers(store, new Set(users.map((u) => String(u.user_id))))
  const byId = new Map<string, ApiKey>()
  // The index can hold ids that a racing write moved away: the record decides.
  for (const found of own) if (found?.key.plan_id === planId) byId.set(found.key.id, found.key)
  for (const found of inherited) if (found.key.plan_id === null) byId.set(found.key.id, found.key)
  return [...byId.values()].sort(
    (a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id),
  )
}

/**
 * The plan's use in its request period: the credits its keys used in that window, against the
 * sum of their limits in it (each key has the plan's `max_requests`, or its own override).
 */
export async function planUsage(store: AdminStore, plan: Plan): Promise<PlanUsage> {
  const keys = await keysOnPlan(store, plan.id)
  const users = (await store.listUsers()).filter((u) => u.plan_id === plan.id).length
  const loaded: LoadedKey[] = []
  for (let i = 0; i < keys.length; i += 100) {
    const batch = await Promise.all(keys.slice(i, i + 100).map((k) => store.loadKey(k.id)))
    for (const found of batch) if (found) loaded.push(found)
  }
  const nowMs = await store.now()
  const usages = loaded.map((k) => computeUsage(k, nowMs))
  const period = plan.request_period
  let used = 0
  let allowed = 0
  for (const usage of usages) {
    if (period === null) {
      used += usage.total_requests
      continue
    }
    const window = usage.windows.find((w) => w.period === WINDOW_OF_PERIOD[period])
    used += window?.used ?? 0
    allowed += window?.limit ?? 0
  }
  const unlimited = plan.max_requests === null
  return {
    plan_id: plan.id,
    plan_name: plan.name,
    max_requests: plan.max_requests,
    request_period: period,
    total_requests: used,
    percentage_used: unlimited ? null : usages.length === 0 ? 0 : percentOf(used, allowed),
    users_count: users,
    api_keys_count: keys.length,
    is_unlimited: unlimited,
  }
}
