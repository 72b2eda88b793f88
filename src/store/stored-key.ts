// Turns a key's stored parts (record JSON + hot hash) back into a LoadedKey; shared by both stores.

import type { ApiKey, EffectiveLimits } from '../types'
import { CONFIG_FIELDS, expandHot } from './hot-fields'
import type { LoadedKey, StoredKey } from './types'

const CONFIG = new Set<string>(CONFIG_FIELDS)

const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v))

export function limitsFromHot(hot: Record<string, string>): EffectiveLimits {
  return {
    per_second: num(hot.ps),
    burst: num(hot.pb),
    per_minute: num(hot.pm),
    total: num(hot.qt),
    daily: num(hot.qd),
    weekly: num(hot.qw),
    monthly: num(hot.qm),
    yearly: num(hot.qy),
    quota_window: hot.qc === '1' ? 'calendar' : 'rolling',
    rate_scope: hot.us === '1' ? 'user' : 'key',
  }
}

/**
 * A key's record and counters. `shared`: the `ts`/`tm` arrival times of the rate buckets its user
 * shares (rate_scope "user"), kept in the counters as `uts`/`utm`.
 */
export function loadedKey(
  recordJson: string,
  rawHot: Record<string, string>,
  ring: Record<string, string>,
  shared: { ts?: string | null; tm?: string | null } = {},
): LoadedKey {
  const hot = expandHot(rawHot)
  const stored = JSON.parse(recordJson) as StoredKey['key']
  const key: ApiKey = {
    ...stored,
    last_used_at: hot.lu === undefined ? null : new Date(Number(hot.lu)).toISOString(),
  }
  const counters: Record<string, string> = { ...ring }
  for (const [field, value] of Object.entries(hot)) if (!CONFIG.has(field)) counters[field] = value
  if (shared.ts) counters.uts = shared.ts
  if (shared.tm) counters.utm = shared.tm
  return {
    key,
    limits: limitsFromHot(hot),
    secretHash: hot.h ?? '',
    previous:
      hot.h2 !== undefined && hot.h2x !== undefined
        ? { hash: hot.h2, untilMs: Number(hot.h2x) }
        : null,
    counters,
    version: Number(hot.v ?? 0),
    planVersion: Number(hot.pv ?? 0),
  }
}
