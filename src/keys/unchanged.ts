// Whether an edit changes anything: a no-op edit writes nothing, keeps the version and is not audited.

import type { ApiKey, Plan } from '../types'

/** JSON with sorted keys; in limit objects (`rate`, `quotas`) an unset field and null are the same. */
function canonical(value: unknown, dropNulls = false): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`
  const entries = Object.entries(value)
    .filter(([, v]) => !(dropNulls && (v === null || v === undefined)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

const limitsEqual = (a: object, b: object): boolean => canonical(a, true) === canonical(b, true)

type EditableKey = Omit<ApiKey, 'last_used_at' | 'updated_at' | 'created_at'>

/** Every field a key edit can set is the same (`updated_at` and the counters aside). */
export function sameKey(a: EditableKey, b: EditableKey): boolean {
  return (
    a.name === b.name &&
    a.plan_id === b.plan_id &&
    a.status === b.status &&
    a.category === b.category &&
    a.expires_at === b.expires_at &&
    canonical(a.scopes) === canonical(b.scopes) &&
    canonical(a.metadata) === canonical(b.metadata) &&
    limitsEqual(a.quotas, b.quotas) &&
    limitsEqual(a.rate, b.rate)
  )
}

/** Every field a plan edit can set is the same. */
export function samePlan(a: Plan, b: Plan): boolean {
  return (
    a.name === b.name &&
    a.quota_window === b.quota_window &&
    a.rate_scope === b.rate_scope &&
    (a.description ?? null) === (b.description ?? null) &&
    (a.is_active ?? true) === (b.is_active ?? true) &&
    limitsEqual(a.quotas, b.quotas) &&
    limitsEqual(a.rate, b.rate)
  )
}
