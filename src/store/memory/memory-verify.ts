// MemoryStore's verification: the steps of lua/verify.lua, in its order, over in-process hashes.

import {
  type GcraStep,
  gcraRemaining,
  gcraStep,
  RING_TTL_MS,
  YEARLY_RING_TTL_MS,
} from '../../limits'
import { grantsScope } from '../../token'
import {
  admitInto,
  checkWindows,
  type Field,
  limitOf,
  type OpenWindow,
  optional,
} from './quota-windows'
import { WorstFailure } from './worst-failure'

export type Hash = Map<string, string>

export interface MemoryVerifyInput {
  hot: Hash | undefined
  record: string | undefined
  /** The user rate hash, created on first use. */
  userRate: () => Hash
  hasUserRate: boolean
  /** The user hash's disabled flag (`d`) is set: the key's user is disabled. */
  userDisabled?: boolean
  /** Sets the user rate hash's time to live. */
  userRateTtl: (ms: number) => void
  /** The key's ring hash, created on first use. */
  ring: () => Hash
  /** The key's ring hash if it exists, for reads (a read creates nothing, as in Redis). */
  peekRing: () => Hash | undefined
  /** Sets the ring hash's time to live, unless it already has a longer one. */
  ringTtl: (ms: number) => void
  /** The key's client token entry for a hash, `"<expires_ms>|<scopes>"`, if any. */
  clientToken?: (hash: string) => string | undefined
  /** `ct` for a client token, billed to its parent key. */
  tokenType?: string
  hash: string
  nowMicros: number
  cost: number
  scopes: readonly string[]
}

type Reply = Array<number | string>

const OUTCOME = { ok: 0, invalid: 1, inactive: 2, expired: 3, scope: 4, quota: 5, rate: 6 }

export function memoryVerify(input: MemoryVerifyInput): Reply {
  const nowMs = Math.floor(input.nowMicros / 1000)
  const hot = input.hot
  if (!hot) return [OUTCOME.invalid]
  const field = (name: string): string | undefined => hot.get(name)
  const auth = authenticate(input, field, nowMs)
  if (typeof auth === 'number') return [auth]
  const refused =
    checkStatus(field, nowMs, input.userDisabled === true) ??
    checkScopes(input.scopes, field, auth.tokenScopes)
  if (refused !== null) return [refused]

  const failure = new WorstFailure()
  const usedTotal = optional(field('tt')) ?? 0
  const total = limitOf(field('qt'))
  if (total >= 0 && usedTotal + input.cost > total) failure.add(3, -1)
  const windows = checkWindows(input, field, nowMs, failure)
  const rates = checkRates(input, field, failure)
  const reply = buildReply(input.cost, nowMs, total, usedTotal, windows, rates, failure)
  if (failure.window > 0) return reply

  charge(input, hot, nowMs, usedTotal, windows, rates)
  reply.push(input.record ?? '', field('rv') ?? '')
  if (auth.tokenScopes !== undefined) reply.push(auth.tokenScopes)
  return reply
}

/** The secret: the key's own, the previous one within its grace, or a live client token. */
function authenticate(
  input: MemoryVerifyInput,
  field: Field,
  nowMs: number,
): number | { tokenScopes: string | undefined } {
  const secret = field('h')
  if (secret === undefined) return OUTCOME.invalid
  if (input.tokenType === 'ct') {
    const entry = input.clientToken?.(input.hash)
    if (entry === undefined) return OUTCOME.invalid
    const bar = entry.indexOf('|')
    if (nowMs >= Number(entry.slice(0, bar))) return OUTCOME.expired
    return { tokenScopes: entry.slice(bar + 1) }
  }
  if (secret !== input.hash) {
    const graceEnds = optional(field('h2x')) ?? 0
    if (field('h2') !== input.hash || nowMs >= graceEnds) return OUTCOME.invalid
  }
  return { tokenScopes: undefined }
}

/** The key's status, then its user's disabled flag, then expiry (as verify.lua). */
function checkStatus(field: Field, nowMs: number, userDisabled: boolean): number | null {
  if (field('s') !== '1' || userDisabled) return OUTCOME.inactive
  const expires = field('x')
  if (expires !== undefined && nowMs >= Number(expires)) return OUTCOME.expired
  return null
}

/** Every required scope, granted by the key (and, for a client token, by the token too). */
function checkScopes(
  required: readonly string[],
  field: Field,
  tokenScopes: string | undefined,
): number | null {
  if (required.length === 0) return null
  const have = (field('sc') ?? '').split(',')
  const own = tokenScopes?.split(',')
  for (const need of required) {
    if (!grantsScope(have, need) || (own !== undefined && !grantsScope(own, need))) {
      return OUTCOME.scope
    }
  }
  return null
}

interface Rates {
  second: GcraStep | null
  minute: GcraStep | null
  /** The buckets are the user's (rate_scope "user"), not the key's. */
  shared: boolean
}

/** Per-second (with its burst) and per-minute GCRA buckets, of the key or of its user. */
function checkRates(input: MemoryVerifyInput, field: Field, failure: WorstFailure): Rates {
  const perSecond = limitOf(field('ps'))
  const burst = limitOf(field('pb'))
  const perMinute = limitOf(field('pm'))
  const shared = field('us') === '1' && (perSecond > 0 || perMinute > 0)
  const user = shared && input.hasUserRate ? input.userRate() : undefined
  const tat = (name: string) => optional(shared ? user?.get(name) : field(name))
  const now = input.nowMicros
  const second =
    perSecond > 0
      ? gcraStep(tat('ts'), now, perSecond, 1_000_000, burst > 0 ? burst : perSecond)
      : null
  const minute = perMinute > 0 ? gcraStep(tat('tm'), now, perMinute, 60_000_000, perMinute) : null
  if (second && second.waitMs > 0) failure.add(1, second.waitMs)
  if (minute && minute.waitMs > 0) failure.add(2, minute.waitMs)
  return { second, minute, shared }
}

/**
 * The flat reply of lua/verify.lua: outcome, failure, wait, then limit/remaining/reset-in-ms per
 * window. A refused request is charged nothing: it is told what is left without its cost.
 */
function buildReply(
  cost: number,
  nowMs: number,
  total: number,
  usedTotal: number,
  windows: OpenWindow[],
  rates: Rates,
  failure: WorstFailure,
): Reply {
  const refused = failure.window > 0
  const reply: Reply = [
    0,
    0,
    0,
    -1,
    -1,
    0,
    -1,
    -1,
    0,
    total,
    -1,
    -1,
    -1,
    -1,
    0,
    -1,
    -1,
    0,
    -1,
    -1,
    0,
    -1,
    -1,
    0,
  ]
  for (const [at, step] of [
    [3, rates.second],
    [6, rates.minute],
  ] as const) {
    if (step) reply.splice(at, 3, step.capacity, ...gcraRemaining(step, !refused))
  }
  const left = (limit: number, used: number): number =>
    refused ? Math.max(limit - used, 0) : limit - used - cost
  if (total >= 0) reply[10] = left(total, usedTotal)
  for (const w of windows) {
    if (!refused) admitInto(w, cost, nowMs)
    reply.splice(3 * w.spec.index, 3, w.limit, left(w.limit, w.sum), w.resetMs - nowMs)
  }
  if (refused) {
    reply[0] = failure.window >= 3 ? OUTCOME.quota : OUTCOME.rate
    reply[1] = failure.window
    reply[2] = failure.waitMs
  }
  return reply
}

/** Admitted: charge every window and bucket, stamp last use, and move closed buckets to the ring. */
function charge(
  input: MemoryVerifyInput,
  hot: Hash,
  nowMs: number,
  usedTotal: number,
  windows: OpenWindow[],
  rates: Rates,
): void {
  const { cost } = input
  hot.set('lu', String(nowMs))
  hot.set('tt', String(usedTotal + cost))
  // Requests admitted, whatever their cost (Limitly's totalRequests).
  hot.set('tn', String((optional(hot.get('tn')) ?? 0) + 1))
  for (const w of windows) {
    hot.set(`${w.spec.letter}b`, String(w.bucket))
    hot.set(`${w.spec.letter}s`, String(w.sum + cost))
    hot.set(`${w.spec.letter}c`, String(w.count + cost))
    if (w.oldest !== null && w.oldest !== w.storedOldest) {
      hot.set(`${w.spec.letter}o`, String(w.oldest))
    }
  }
  const { second, minute } = rates
  if (rates.shared && (second || minute)) {
    const user = input.userRate()
    if (second) user.set('ts', String(second.tat))
    if (minute) user.set('tm', String(minute.tat))
    const fullAgain = Math.max(second?.tat ?? 0, minute?.tat ?? 0) - input.nowMicros
    input.userRateTtl(Math.ceil(fullAgain / 1000) + 1000)
  } else {
    if (second) hot.set('ts', String(second.tat))
    if (minute) hot.set('tm', String(minute.tat))
  }
  moveClosedBuckets(input, windows)
}

function moveClosedBuckets(input: MemoryVerifyInput, windows: OpenWindow[]): void {
  if (!windows.some((w) => w.closed.length > 0 || w.dropped.length > 0 || w.moved !== null)) return
  const ring = input.ring()
  for (const w of windows) for (const name of [...w.closed, ...w.dropped]) ring.delete(name)
  const moved = windows.flatMap((w) => (w.moved ? [w.moved] : []))
  for (const [name, count] of moved) ring.set(name, String(count))
  // A ring with yearly buckets lives longer than a year; a TTL is never shortened (see verify.lua).
  const yearly = windows.some((w) => w.spec.letter === 'y' && !w.calendar)
  if (moved.length > 0) input.ringTtl(yearly ? YEARLY_RING_TTL_MS : RING_TTL_MS)
}
