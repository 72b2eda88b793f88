// MemoryStore's verification: a line-by-line port of lua/verify.lua over in-process hashes.

import { grantsScope } from '../../token/scopes'

export type Hash = Map<string, string>

export interface MemoryVerifyInput {
  hot: Hash | undefined
  record: string | undefined
  /** The user rate hash, created on first use. */
  userRate: () => Hash
  hasUserRate: boolean
  /** Sets the user rate hash's time to live. */
  userRateTtl: (ms: number) => void
  /** The key's ring hash, created on first use. */
  ring: () => Hash
  /** The key's ring hash if it exists, for reads (a read creates nothing, as in Redis). */
  peekRing: () => Hash | undefined
  /** Sets the ring hash's time to live. */
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

const floor = Math.floor
const ceil = Math.ceil
const num = (v: string | undefined): number => (v === undefined ? -1 : Number(v))
const opt = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))

function civilMonth(day: number): [number, number] {
  const z = day + 719468
  const era = floor(z / 146097)
  const doe = z - era * 146097
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  const mp = floor((5 * doy + 2) / 153)
  return [yoe + era * 400 + (mp >= 10 ? 1 : 0), mp]
}

/** First day (since the epoch) of the month with March-based index `mp` (0 = March) in year `y`. */
function monthDay(year: number, mp: number): number {
  const y = mp >= 10 ? year - 1 : year
  const era = floor(y / 400)
  const yoe = y - era * 400
  return (
    era * 146097 +
    yoe * 365 +
    floor(yoe / 4) -
    floor(yoe / 100) +
    floor((153 * mp + 2) / 5) -
    719468
  )
}

/** The calendar period index and its end (ms) for a window letter: d (UTC day), w (ISO week), m. */
export function calendarPeriod(letter: string, nowMs: number): [number, number] {
  const day = floor(nowMs / 86400000)
  if (letter === 'd') return [day, (day + 1) * 86400000]
  if (letter === 'w') {
    const week = floor((day + 3) / 7)
    return [week, (week * 7 + 4) * 86400000]
  }
  const [y, mp] = civilMonth(day)
  // The next month: December (mp 9) is followed by January of the next year.
  const [ny, nmp] = mp === 9 ? [y + 1, 10] : [y, (mp + 1) % 12]
  return [y * 12 + mp, monthDay(ny, nmp) * 86400000]
}

interface WindowState {
  bucket: number
  sum: number
  count: number
  reset: number
  reads: string[]
}

export function memoryVerify(input: MemoryVerifyInput): Array<number | string> {
  const { hot, hash, cost } = input
  const now = input.nowMicros
  const nowMs = floor(now / 1000)
  if (!hot) return [1]
  const f = (field: string) => hot.get(field)

  let ctScopes: string | undefined
  if (input.tokenType === 'ct') {
    if (f('h') === undefined) return [1]
    const ct = input.clientToken?.(hash)
    if (ct === undefined) return [1]
    const bar = ct.indexOf('|')
    if (nowMs >= Number(ct.slice(0, bar))) return [3]
    ctScopes = ct.slice(bar + 1)
  } else if (f('h') !== hash) {
    if (f('h') === undefined) return [1]
    if (f('h2') !== hash || nowMs >= (opt(f('h2x')) ?? 0)) return [1]
  }
  if (f('s') !== '1') return [2]
  const x = f('x')
  if (x !== undefined && nowMs >= Number(x)) return [3]
  if (input.scopes.length > 0) {
    const have = (f('sc') ?? '').split(',')
    const own = ctScopes?.split(',')
    for (const need of input.scopes) {
      if (!grantsScope(have, need) || (own !== undefined && !grantsScope(own, need))) return [4]
    }
  }

  const qt = num(f('qt'))
  const qd = num(f('qd'))
  const qw = num(f('qw'))
  const qm = num(f('qm'))
  const calendar = f('qc') === '1'
  const usedTotal = opt(f('tt')) ?? 0

  let failed = 0
  let failWait = 0
  const rank = (window: number): number => (window === 3 ? 7 : window)
  const fail = (window: number, wait: number) => {
    let worse: boolean
    if (failed === 0) worse = true
    else if (window >= 3 !== failed >= 3) worse = window >= 3
    else if (wait < 0 !== failWait < 0) worse = wait < 0
    else if (wait !== failWait) worse = wait > failWait
    else worse = rank(window) > rank(failed)
    if (worse) {
      failed = window
      failWait = wait
    }
  }

  if (qt >= 0 && usedTotal + cost > qt) fail(3, -1)

  const ringSet: Array<[string, number]> = []
  const ringDel: string[] = []
  const window = (letter: string, n: number, size: number): WindowState => {
    const last = opt(f(`${letter}b`))
    let sum = opt(f(`${letter}s`)) ?? 0
    let count = opt(f(`${letter}c`)) ?? 0
    if (calendar) {
      const [period, reset] = calendarPeriod(letter, nowMs)
      if (last !== period) sum = 0
      return { bucket: period, sum, count: 0, reset, reads: [] }
    }
    let b = floor(nowMs / (size * 1000))
    const reads: string[] = []
    if (last === undefined) {
      sum = 0
      count = 0
    } else if (b >= last + n) {
      for (let i = 0; i < n; i++) ringDel.push(`${letter}${i}`)
      sum = 0
      count = 0
    } else if (b > last) {
      if (count > 0) ringSet.push([`${letter}${last % n}`, count])
      for (let i = last + 1; i <= b; i++) reads.push(`${letter}${i % n}`)
      count = 0
    } else {
      b = last
    }
    return { bucket: b, sum, count, reset: (b + 1) * size * 1000, reads }
  }

  const d = qd >= 0 ? window('d', 25, 3600) : undefined
  const w = qw >= 0 ? window('w', 29, 21600) : undefined
  const m = qm >= 0 ? window('m', 31, 86400) : undefined
  const anyReads = (d?.reads.length ?? 0) + (w?.reads.length ?? 0) + (m?.reads.length ?? 0) > 0
  if (anyReads) {
    const ring = input.peekRing()
    for (const state of [d, w, m]) {
      for (const field of state?.reads ?? []) if (state) state.sum -= opt(ring?.get(field)) ?? 0
    }
  }

  // Rejection only: how long until the window has room for this cost (-1: it never will). A
  // rolling window gives credit back as its oldest sub-buckets leave, so walk them oldest first.
  const waitFor = (letter: string, limit: number, n: number, size: number, s: WindowState) => {
    if (cost > limit) return -1
    if (calendar) return s.reset - nowMs
    const last = Number(f(`${letter}b`))
    const newest = opt(f(`${letter}c`)) ?? 0
    const need = s.sum + cost - limit
    const ring = input.peekRing()
    let freed = 0
    for (let j = s.bucket - n + 1; j <= last; j++) {
      freed += j === last ? newest : (opt(ring?.get(`${letter}${j % n}`)) ?? 0)
      if (freed >= need) return (j + n) * size * 1000 - nowMs
    }
    return -1
  }

  if (d && d.sum + cost > qd) {
    const wait = waitFor('d', qd, 25, 3600, d)
    if (wait >= 0) d.reset = nowMs + wait
    fail(4, wait)
  }
  if (w && w.sum + cost > qw) {
    const wait = waitFor('w', qw, 29, 21600, w)
    if (wait >= 0) w.reset = nowMs + wait
    fail(5, wait)
  }
  if (m && m.sum + cost > qm) {
    const wait = waitFor('m', qm, 31, 86400, m)
    if (wait >= 0) m.reset = nowMs + wait
    fail(6, wait)
  }

  const ps = num(f('ps'))
  let pb = num(f('pb'))
  const pm = num(f('pm'))
  const userScope = f('us') === '1'
  let tatS = f('ts')
  let tatM = f('tm')
  if (userScope && (ps > 0 || pm > 0)) {
    const u = input.hasUserRate ? input.userRate() : undefined
    tatS = u?.get('ts')
    tatM = u?.get('tm')
  }
  const out: Array<number | string> = [
    0,
    0,
    0,
    -1,
    -1,
    0,
    -1,
    -1,
    0,
    qt,
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
  ]
  let newS: number | undefined
  let newM: number | undefined
  let tS = 0
  let tM = 0
  if (ps > 0) {
    if (pb <= 0) pb = ps
    tS = ceil(1000000 / ps)
    newS = Math.max(opt(tatS) ?? 0, now) + tS
    const ahead = newS - now
    if (ahead > pb * tS) fail(1, ceil((ahead - pb * tS) / 1000))
    out[3] = pb
    out[4] = floor((pb * tS - ahead) / tS)
    out[5] = ceil(ahead / 1000)
  }
  if (pm > 0) {
    tM = ceil(60000000 / pm)
    newM = Math.max(opt(tatM) ?? 0, now) + tM
    const ahead = newM - now
    if (ahead > pm * tM) fail(2, ceil((ahead - pm * tM) / 1000))
    out[6] = pm
    out[7] = floor((pm * tM - ahead) / tM)
    out[8] = ceil(ahead / 1000)
  }
  if (qt >= 0) out[10] = qt - usedTotal - cost
  if (d) out.splice(12, 3, qd, qd - d.sum - cost, d.reset - nowMs)
  if (w) out.splice(15, 3, qw, qw - w.sum - cost, w.reset - nowMs)
  if (m) out.splice(18, 3, qm, qm - m.sum - cost, m.reset - nowMs)

  if (failed > 0) {
    out[0] = failed >= 3 ? 5 : 6
    out[1] = failed
    out[2] = failWait
    if (newS !== undefined) {
      out[4] = Math.max((out[4] as number) + 1, 0)
      out[5] = ceil(Math.max(newS - tS - now, 0) / 1000)
    }
    if (newM !== undefined) {
      out[7] = Math.max((out[7] as number) + 1, 0)
      out[8] = ceil(Math.max(newM - tM - now, 0) / 1000)
    }
    for (let k = 9; k <= 18; k += 3) {
      if ((out[k] as number) >= 0) out[k + 1] = Math.max((out[k + 1] as number) + cost, 0)
    }
    return out
  }

  hot.set('lu', String(nowMs))
  hot.set('tt', String(usedTotal + cost))
  for (const [letter, state] of [
    ['d', d],
    ['w', w],
    ['m', m],
  ] as const) {
    if (!state) continue
    hot.set(`${letter}b`, String(state.bucket))
    hot.set(`${letter}s`, String(state.sum + cost))
    hot.set(`${letter}c`, String(state.count + cost))
  }
  if (userScope && (newS !== undefined || newM !== undefined)) {
    const u = input.userRate()
    if (newS !== undefined) u.set('ts', String(newS))
    if (newM !== undefined) u.set('tm', String(newM))
    input.userRateTtl(ceil((Math.max(newS ?? 0, newM ?? 0) - now) / 1000) + 1000)
  } else {
    if (newS !== undefined) hot.set('ts', String(newS))
    if (newM !== undefined) hot.set('tm', String(newM))
  }
  if (anyReads || ringDel.length > 0 || ringSet.length > 0) {
    const ring = input.ring()
    for (const state of [d, w, m]) for (const field of state?.reads ?? []) ring.delete(field)
    for (const field of ringDel) ring.delete(field)
    if (ringSet.length > 0) {
      for (const [field, value] of ringSet) ring.set(field, String(value))
      input.ringTtl(31 * 86400000)
    }
  }
  out.push(input.record ?? '', f('rv') ?? '')
  if (ctScopes !== undefined) out.push(ctScopes)
  return out
}
