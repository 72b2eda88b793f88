// A user's plan and disabled flag, carried to the user's keys: inherited limits, and the flag of every tag.

import { effectiveLimits } from '../limits'
import type { AdminStore, KeyRecord, VersionedPlan, VersionedUser } from '../store'
import { limitFields } from '../store'
import { TAG_LENGTH, tagFor } from '../token'
import type { UserId } from '../types'
import { loadKeyRecords } from './key-batch'
import { MAX_WRITE_ATTEMPTS, retryStale, STALE } from './retry-write'

/** The plan a key with no plan of its own takes: its user's, when the user and the plan exist. */
export async function inheritedPlan(
  store: AdminStore,
  userId: UserId | null,
): Promise<VersionedPlan | null> {
  if (userId === null) return null
  const user = await store.loadUser(String(userId))
  if (!user || user.user.plan_id === null) return null
  return store.loadPlan(user.user.plan_id)
}

/** Every key whose `user_id` is one of `userIds` (compared as text), read in batches. */
export async function keysOfUsers(
  store: AdminStore,
  userIds: ReadonlySet<string>,
): Promise<KeyRecord[]> {
  if (userIds.size === 0) return []
  const ids = await store.listKeyIds()
  const found: KeyRecord[] = []
  for (let i = 0; i < ids.length; i += 1000) {
    for (const record of await loadKeyRecords(store, ids.slice(i, i + 1000))) {
      if (record && record.key.user_id !== null && userIds.has(String(record.key.user_id))) {
        found.push(record)
      }
    }
  }
  return found
}

/**
 * Gives one key without a plan of its own the limits of its user's current plan (or none).
 * Reads the key, the user and the plan, then writes at the key's version: whichever of a key
 * write, a user edit and a plan edit syncs last reads the state all of them left.
 */
export async function syncInheritedKey(store: AdminStore, id: string): Promise<void> {
  await retryStale(`The limits of key ${id}`, async () => {
    const loaded = await store.loadKey(id)
    if (!loaded || loaded.key.plan_id !== null || loaded.key.user_id === null) return undefined
    const plan = await inheritedPlan(store, loaded.key.user_id)
    const { last_used_at, ...key } = loaded.key
    const limits = effectiveLimits(key, plan?.plan ?? null)
    const fields = { ...limitFields(key, limits), pv: plan ? String(plan.version) : null }
    const held = {
      ...limitFields(key, loaded.limits),
      pv: loaded.planVersion > 0 ? String(loaded.planVersion) : null,
    }
    if (JSON.stringify(fields) === JSON.stringify(held)) return undefined
    const outcome = await store.writeKey({
      id,
      expect: loaded.version,
      fields,
      resetWindows: limits.quota_window !== loaded.limits.quota_window,
    })
    return outcome.ok || outcome.reason === 'missing' ? undefined : STALE
  })
}

/** Re-syncs the plan-less keys among `keys` (a user's plan changed, or the plan itself). */
export async function syncInheritedKeys(
  store: AdminStore,
  keys: readonly KeyRecord[],
): Promise<void> {
  const planless = keys.filter((k) => k.key.plan_id === null)
  for (let i = 0; i < planless.length; i += 100) {
    await Promise.all(planless.slice(i, i + 100).map((k) => syncInheritedKey(store, k.key.id)))
  }
}

/** The hash tags of a user's keys other than the user's own (imported keys carry their own tag). */
export function otherTags(userId: string, keys: readonly KeyRecord[]): string[] {
  const home = tagFor(userId)
  const tags = new Set(keys.map((k) => k.key.id.slice(0, TAG_LENGTH)))
  tags.delete(home)
  return [...tags]
}

/**
 * Writes the user's disabled flag to each of `tags` (the user's own tag got it with the record).
 * Then reads the user again: if another edit landed meanwhile, its state is written too, so the
 * flags end as the last edit left the record, whichever order the writes ran in.
 */
export async function spreadUserFlag(
  store: AdminStore,
  userId: string,
  written: VersionedUser | null,
  tags: readonly string[],
): Promise<void> {
  if (tags.length === 0) return
  let state = written
  for (let n = 0; n < MAX_WRITE_ATTEMPTS; n++) {
    const disabled = state?.user.is_disabled === true
    await Promise.all(tags.map((tag) => store.setUserDisabled(tag, disabled)))
    const current = await store.loadUser(userId)
    if ((current?.version ?? 0) === (state?.version ?? 0)) return
    state = current
  }
}

/** After a plan edit: the plan-less keys of every user on the plan get its new limits. */
export async function syncUsersOfPlan(store: AdminStore, planId: string): Promise<void> {
  const users = (await store.listUsers()).filter((u) => u.plan_id === planId)
  if (users.length === 0) return
  const keys = await keysOfUsers(store, new Set(users.map((u) => String(u.user_id))))
  await syncInheritedKeys(store, keys)
}

/**
 * For a key written outside its user's own hash tag (an imported key, whose tag comes from its
 * token): sets that tag's disabled flag when the user is disabled. Call it after such a write.
 */
export async function followUserFlag(
  store: AdminStore,
  key: { id: string; user_id: UserId | null },
): Promise<void> {
  if (key.user_id === null) return
  const tag = key.id.slice(0, TAG_LENGTH)
  if (tag === tagFor(String(key.user_id))) return
  const user = await store.loadUser(String(key.user_id))
  if (user?.user.is_disabled) await spreadUserFlag(store, String(key.user_id), user, [tag])
}
