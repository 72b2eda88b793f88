// Reads every Redis key behind one API key, with its type, TTL and raw fields: what the script sees.

import type { Cluster, Redis } from 'ioredis'
import { TAG_LENGTH } from '../../token'
import { PACKED_CONFIG, STATE_FIELDS } from '../hot-fields'
import type { RedisKeyNames } from './key-names'

export interface InspectedEntry {
  field: string
  value: string
  /** What the field means, with timestamps decoded. */
  meaning: string
}

export interface InspectedKey {
  /** The Redis key name. */
  key: string
  /** What it holds for this API key. */
  role: string
  /** Redis type: hash, string, stream, set, or none (missing). */
  type: string
  /** PTTL: ms to live, -1 without a TTL, -2 when missing. */
  ttl_ms: number
  entries: InspectedEntry[]
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '?')

const MEANINGS: Record<string, (v: string) => string> = {
  h: () => 'SHA-256 of the token (base64)',
  h2: () => "previous secret's SHA-256 (regenerate grace period)",
  h2x: (v) => `previous secret accepted until ${iso(Number(v))}`,
  s: (v) => (v === '1' ? 'status: active' : 'status: inactive'),
  x: (v) => `expires at ${iso(Number(v))}`,
  sc: () => 'scopes',
  ps: () => 'effective rate: per second',
  pb: () => 'effective rate: burst',
  pm: () => 'effective rate: per minute',
  qt: () => 'effective quota: total',
  qd: () => 'effective quota: daily',
  qw: () => 'effective quota: weekly',
  qm: () => 'effective quota: monthly',
  qy: () => 'effective quota: yearly',
  qc: () => 'calendar quota windows',
  us: () => 'rate limits shared by the user (rate_scope "user")',
  rv: () => 'version of the public record (the guard caches the record by it)',
  v: (v) => `key version ${v}: every admin write adds one (the REST API's ETag)`,
  pv: (v) => `limits computed from version ${v} of the key's plan`,
  ui: (v) => (v === '0' ? 'no user: no user flag to check' : 'has a user: its flag is checked'),
  c: () => `packed config the script reads: ${PACKED_CONFIG.join('|')}`,
  st: () => `packed counters the script writes: ${STATE_FIELDS.join(',')} (each below)`,
  lu: (v) => `last used at ${iso(Number(v))}`,
  tt: () => 'credits used in all (total quota counter)',
  tn: () => 'requests admitted in all, whatever their cost',
  ts: (v) => `per-second GCRA arrival time: ${iso(Number(v) / 1000)}`,
  tm: (v) => `per-minute GCRA arrival time: ${iso(Number(v) / 1000)}`,
  d: () => 'the user is disabled: every key in this hash tag answers INACTIVE_API_KEY',
}

const WINDOWS: Record<string, string> = { d: 'daily', w: 'weekly', m: 'monthly', y: 'yearly' }
const WINDOW_PARTS: Record<string, string> = {
  b: 'newest bucket index',
  s: 'running sum of the window',
  c: "newest bucket's count",
  o: 'oldest bucket index with a count in the window (its reset)',
}

export function fieldMeaning(field: string, value: string): string {
  const known = MEANINGS[field]
  if (known) return known(value)
  const window = WINDOWS[field[0] ?? '']
  if (window && field.length === 2 && WINDOW_PARTS[field[1] ?? '']) {
    return `${window}: ${WINDOW_PARTS[field[1] ?? '']}`
  }
  if (window && /^[dwmy]\d+$/.test(field))
    return `${window}: closed sub-bucket, slot ${field.slice(1)}`
  return ''
}

/** Every Redis key of the API key `id`: hot hash, record, ring, user rate, request log, indexes. */
export async function inspectRedisKeys(
  client: Redis | Cluster,
  names: RedisKeyNames,
  id: string,
): Promise<InspectedKey[]> {
  const tag = id.slice(0, TAG_LENGTH)
  const record = await client.get(names.record(tag, id))
  const planId = record ? ((JSON.parse(record) as { plan_id?: unknown }).plan_id ?? null) : null
  const keys: Array<{ key: string; role: string; member?: string }> = [
    {
      key: names.hot(tag, id),
      role: 'hot hash: config and counters the verification script reads',
    },
    { key: names.record(tag, id), role: 'public record (JSON), returned to the guard on success' },
    { key: names.ring(tag, id), role: 'closed sub-buckets of the rolling quota windows' },
    {
      key: names.userRate(tag),
      role: 'user hash: disabled flag (d) and shared rate buckets (rate_scope "user")',
    },
    { key: names.logs(tag, id), role: 'request log (stream), newest last' },
    {
      key: names.seriesHour(tag, id),
      role: 'usage series, per hour: <hour>:a allowed, <hour>:r:<code> rejected',
    },
    {
      key: names.seriesDay(tag, id),
      role: 'usage series, per day: <day>:a allowed, <day>:r:<code> rejected',
    },
    { key: names.keys, role: 'index of every key id', member: id },
  ]
  if (typeof planId === 'string') {
    keys.push({
      key: names.planKeys(planId),
      role: `index of the keys on plan "${planId}"`,
      member: id,
    })
  }
  return Promise.all(keys.map((k) => inspectOne(client, k.key, k.role, k.member)))
}

async function inspectOne(
  client: Redis | Cluster,
  key: string,
  role: string,
  member: string | undefined,
): Promise<InspectedKey> {
  const [type, ttl] = await Promise.all([client.type(key), client.pttl(key)])
  const entries: InspectedEntry[] = []
  if (type === 'hash') {
    const all = await client.hgetall(key)
    for (const field of Object.keys(all).sort(byFieldOrder)) {
      const value = all[field] ?? ''
      entries.push({ field, value, meaning: fieldMeaning(field, value) })
    }
    // The packed counters, one entry each (0: never written), as they were fields of their own.
    const packed = all.st?.split(',') ?? []
    STATE_FIELDS.forEach((field, i) => {
      const value = packed[i]
      if (value !== undefined && value !== '0') {
        entries.push({ field, value, meaning: `${fieldMeaning(field, value)} (st[${i + 1}])` })
      }
    })
  } else if (type === 'string') {
    entries.push({ field: '', value: (await client.get(key)) ?? '', meaning: '' })
  } else if (type === 'stream') {
    const [length, newest] = await Promise.all([
      client.xlen(key),
      client.xrevrange(key, '+', '-', 'COUNT', 1),
    ])
    entries.push({ field: 'length', value: String(length), meaning: 'entries kept' })
    const last = newest[0]
    if (last) {
      entries.push({ field: 'newest', value: last[0], meaning: last[1].join(' ') })
    }
  } else if (type === 'set' && member !== undefined) {
    const [isMember, size] = await Promise.all([client.sismember(key, member), client.scard(key)])
    entries.push({ field: 'member', value: isMember ? 'yes' : 'no', meaning: `of ${size}` })
  }
  return { key, role, type, ttl_ms: ttl, entries }
}

/** Config first (the order of docs/redis-layout.md), then counters, then ring slots in numeric order. */
function byFieldOrder(a: string, b: string): number {
  const rank = (f: string): [number, string, number] => {
    const known = Object.keys(MEANINGS).indexOf(f)
    if (known >= 0) return [0, '', known]
    const slot = /^([dwmy])(\d+)$/.exec(f)
    if (slot) return [2, slot[1] ?? '', Number(slot[2])]
    return [1, f, 0]
  }
  const [ra, sa, na] = rank(a)
  const [rb, sb, nb] = rank(b)
  return ra - rb || sa.localeCompare(sb) || na - nb
}
