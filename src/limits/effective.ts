// Effective limits: a plan's, overridden field by field by the key's own.

import type { ApiKey, EffectiveLimits, Plan } from '../types'

const pick = (own: number | null | undefined, plan: number | null | undefined): number | null =>
  own ?? plan ?? null

export function effectiveLimits(
  key: Pick<ApiKey, 'rate' | 'quotas'>,
  plan: Plan | null,
): EffectiveLimits {
  return {
    per_second: pick(key.rate.per_second, plan?.rate.per_second),
    burst: pick(key.rate.burst, plan?.rate.burst),
    per_minute: pick(key.rate.per_minute, plan?.rate.per_minute),
    total: pick(key.quotas.total, null),
    daily: pick(key.quotas.daily, plan?.quotas.daily),
    weekly: pick(key.quotas.weekly, plan?.quotas.weekly),
    monthly: pick(key.quotas.monthly, plan?.quotas.monthly),
    yearly: pick(key.quotas.yearly, plan?.quotas.yearly),
    quota_window: plan?.quota_window ?? 'rolling',
    rate_scope: plan?.rate_scope ?? 'key',
  }
}
