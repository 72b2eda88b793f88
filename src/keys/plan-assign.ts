// An inactive plan (Limitly's is_active: false) is given to no more keys or users; those on it keep it.

import { KeyguardError } from '../errors'
import type { VersionedPlan } from '../store'

/**
 * Refuses to give `plan` to a key or user that does not have it yet: 409 PLAN_INACTIVE. Keys and
 * users already on the plan keep working, and keep it through their other edits.
 */
export function refuseInactivePlan(plan: VersionedPlan | null): void {
  if (plan === null || plan.plan.is_active !== false) return
  const id = plan.plan.id
  throw new KeyguardError(
    409,
    'PLAN_INACTIVE',
    `Plan ${id} is inactive: it cannot be given to more keys or users; activate it (is_active: true) or choose another plan`,
    { plan_id: id },
  )
}
