// Reads of many keys: the store's batch method when it has one, else key by key.

import type { AdminStore, KeyRecord } from '../store'

export async function loadKeyRecords(
  store: AdminStore,
  ids: readonly string[],
): Promise<Array<KeyRecord | null>> {
  if (store.loadKeyRecords) return store.loadKeyRecords(ids)
  return Promise.all(
    ids.map(async (id) => {
      const loaded = await store.loadKey(id)
      return loaded
        ? {
            key: loaded.key,
            limits: loaded.limits,
            version: loaded.version,
            planVersion: loaded.planVersion,
          }
        : null
    }),
  )
}
