// Reads and limit rewrites of many keys: the store's batch methods when it has them, else key by key.

import type { KeyRecord, LimitsWrite, Store } from './store'

export async function loadKeyRecords(
  store: Store,
  ids: readonly string[],
): Promise<Array<KeyRecord | null>> {
  if (store.loadKeyRecords) return store.loadKeyRecords(ids)
  return Promise.all(
    ids.map(async (id) => {
      const loaded = await store.loadKey(id)
      return loaded ? { key: loaded.key, limits: loaded.limits } : null
    }),
  )
}

/**
 * Writes new effective limits. A switch between rolling and calendar windows also resets the
 * window counters, so those keys go through `saveKey` (rare); the rest through `saveKeyLimits`.
 */
export async function rewriteLimits(
  store: Store,
  writes: ReadonlyArray<LimitsWrite & { resetWindows: boolean }>,
): Promise<void> {
  const batch = store.saveKeyLimits ? writes.filter((w) => !w.resetWindows) : []
  const oneByOne = store.saveKeyLimits ? writes.filter((w) => w.resetWindows) : writes
  if (batch.length > 0) await store.saveKeyLimits?.(batch)
  await Promise.all(
    oneByOne.map(async (write) => {
      const loaded = await store.loadKey(write.key.id)
      if (!loaded) return
      const { last_used_at, ...key } = loaded.key
      await store.saveKey(
        {
          key,
          limits: write.limits,
          secretHash: loaded.secretHash,
          previous: loaded.previous ?? null,
        },
        { resetWindows: write.resetWindows },
      )
    }),
  )
}
