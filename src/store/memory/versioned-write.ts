// A conditional write to a map of versioned records (plans, users): the check and the change with no await between, as the Lua writes do.

import type { WriteOutcome } from '../types'

/** Writes (or, with null, deletes) `id` if it is still at `expect`; `'new'`: it must not exist yet. */
export function writeVersioned<K extends string, T>(
  map: Map<string, { version: number } & Record<K, T>>,
  field: K,
  id: string,
  value: T | null,
  expect: number | 'new',
): WriteOutcome {
  const current = map.get(id)
  if (expect === 'new') {
    if (current) return { ok: false, reason: 'exists' }
  } else if (!current) {
    return { ok: false, reason: 'missing' }
  } else if (current.version !== expect) {
    return { ok: false, reason: 'stale' }
  }
  const version = expect === 'new' ? 1 : expect + 1
  if (value === null) map.delete(id)
  else
    map.set(id, { [field]: structuredClone(value), version } as { version: number } & Record<K, T>)
  return { ok: true, version }
}
