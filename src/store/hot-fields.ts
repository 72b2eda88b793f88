// The key's hot hash: its fields (names as in docs/redis-layout.md), and the two packed ones the verification script reads.

import { createHash } from 'node:crypto'
import { QUOTA_WINDOWS } from '../limits'
import type { StoredKey } from './types'

export const CONFIG_FIELDS = [
  'h',
  'h2',
  'h2x',
  's',
  'x',
  'sc',
  'ps',
  'pb',
  'pm',
  'qt',
  'qd',
  'qw',
  'qm',
  'qy',
  'qc',
  'us',
  'rv',
  'v',
  'pv',
  'ui',
  'c',
] as const

/**
 * The packed config `c`: these fields joined by `|`, in this order ('' for none). Admin writes
 * rebuild it from the fields after each change; the verification script reads only it.
 */
export const PACKED_CONFIG = [
  'h',
  's',
  'x',
  'ps',
  'pb',
  'pm',
  'qt',
  'qd',
  'qw',
  'qm',
  'qy',
  'qc',
  'us',
  'rv',
  'ui',
] as const

/**
 * The packed state `st`: the counters the verification script writes, as integers joined by `,`
 * in this order (0 for none): last use, totals, rate arrival times, then each quota window's
 * newest bucket, sum, newest count and oldest bucket.
 */
export const STATE_FIELDS: readonly string[] = [
  'lu',
  'tt',
  'tn',
  'ts',
  'tm',
  ...QUOTA_WINDOWS.flatMap(({ letter }) => ['b', 's', 'c', 'o'].map((part) => letter + part)),
]

/**
 * A hot hash as read from Redis, with its packed state `st` spread into named counters (a 0 is
 * left out, as a counter never written was) and `c` dropped. A record written before the packed
 * layout has its counters as fields already; they are kept as they are.
 */
export function expandHot(raw: Record<string, string>): Record<string, string> {
  const { st, c: _packed, ...hot } = raw
  if (st === undefined) return hot
  const values = st.split(',')
  STATE_FIELDS.forEach((field, i) => {
    const value = values[i]
    if (value !== undefined && value !== '' && value !== '0') hot[field] = value
  })
  return hot
}

/**
 * Quota window state in the hot hash: newest bucket (b), running sum (s), newest bucket's count
 * (c), and, rolling, the oldest bucket with a count still in the window (o).
 */
export const WINDOW_FIELDS: readonly string[] = QUOTA_WINDOWS.flatMap(({ letter }) =>
  ['b', 's', 'c', 'o'].map((part) => letter + part),
)

/** Ring hash fields: closed sub-buckets of the rolling windows (daily 25, weekly 29, monthly 31, yearly 74). */
export const RING_FIELDS: readonly string[] = QUOTA_WINDOWS.flatMap(({ letter, slots }) =>
  Array.from({ length: slots }, (_, i) => `${letter}${i}`),
)

const n = (v: number | null): string | null => (v === null ? null : String(v))

/** Names one version of a key's record JSON (the hot field `rv`, written with the record): a guard holding it is sent no copy. */
export const recordVersion = (json: string): string =>
  createHash('sha1').update(json).digest('base64url').slice(0, 12)

/** The secret fields: written only by create, regenerate (and read until a grace period ends). */
export function secretFields(
  secretHash: string,
  previous: StoredKey['previous'],
): Record<string, string | null> {
  return {
    h: secretHash,
    h2: previous ? previous.hash : null,
    h2x: previous ? String(previous.untilMs) : null,
  }
}

/** The fields that follow from the record and its effective limits (`pv`: the plan's version). */
export function recordFields(
  key: StoredKey['key'],
  limits: StoredKey['limits'],
  planVersion: number,
): Record<string, string | null> {
  return {
    s: key.status === 'active' ? '1' : '0',
    x: key.expires_at === null ? null : String(Date.parse(key.expires_at)),
    sc: key.scopes.length > 0 ? key.scopes.join(',') : null,
    ...limitFields(key, limits),
    pv: planVersion > 0 ? String(planVersion) : null,
    // '0': no user, so no user flag to check (a record without the field is checked).
    ui: key.user_id === null ? '0' : '1',
  }
}

/** The effective limits, as hot fields. */
export function limitFields(
  key: StoredKey['key'],
  limits: StoredKey['limits'],
): Record<string, string | null> {
  return {
    ps: n(limits.per_second),
    pb: n(limits.burst),
    pm: n(limits.per_minute),
    qt: n(limits.total),
    qd: n(limits.daily),
    qw: n(limits.weekly),
    qm: n(limits.monthly),
    qy: n(limits.yearly),
    qc: limits.quota_window === 'calendar' ? '1' : null,
    us: limits.rate_scope === 'user' && key.user_id !== null ? '1' : null,
  }
}
