// Keeps a key's effective limits in step with its plan, whichever of a key write and a plan edit lands last.

import { effectiveLimits } from '../limits'
import type { AdminStore, KeyRecord, VersionedPlan } from '../store'
import { limitFields } from '../store'
import { retryStale, STALE } from './retry-write'

/**
 * Writes the limits of the key's plan at `version` onto one key, if the key is still on that
 * plan and holds limits of an older version. Returns false when the key moved on (newer write).
 */
export async function writePlanLimits(
  store: AdminStore,
  found: KeyRecord,
  { plan, version }: VersionedPlan,
): Promise<'done' | 'stale'> {
  if (found.key.plan_id !== plan.id || found.planVersion >= version) return 'done'
  const { last_used_at, ...key } = found.key
  const limits = effectiveLimits(key, plan)
  const outcome = await store.writeKey({
    id: key.id,
    expect: found.version,
    fields: { ...limitFields(key, limits), pv: String(version) },
    resetWindows: limits.quota_window !== found.limits.quota_window,
  })
  return outcome.ok || outcome.reason === 'missing' ? 'done' : 'stale'
}

/**
 * Brings one key up to its plan's current version. Called after every key write that computed
 * limits from a plan, and for each key a plan edit could not rewrite at the first try: a plan
 * saved after the key's write is then applied here, or by the plan edit that saved it.
 */
export async function syncKeyToPlan(store: AdminStore, id: string): Promise<void> {
  await retryStale(`The limits of key ${id}`, async () => {
    const loaded = await store.loadKey(id)
    if (!loaded || loaded.key.plan_id === null) return undefined
    const current = await store.loadPlan(loaded.key.plan_id)
    if (!current || loaded.planVersion >= current.version) return undefined
    return (await writePlanLimits(store, loaded, current)) === 'done' ? undefined : STALE
  })
}
