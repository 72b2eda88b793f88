// MemoryStore's verification: a line-by-line port of lua/verify.lua over an in-process hash.

export type Hash = Map<string, string>

export interface MemoryVerifyInput {
  hot: Hash | undefined
  record: string | undefined
  /** The user rate hash; created on write. */
  userRate: () => Hash
  userRateTouched: (ttlMs: number) => void
  hasUserRate: boolean
  hash: string
  nowMicros: number
  cost: number
  scopes: readonly string[]
}

const floor = Math.floor
const num = (v: string | undefined): number => (v === undefined ? -1 : Number(v))

function monthStartDay(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = floor(y / 400)
  const yoe = y - era * 400
  const mp = month > 2 ? month - 3 : month + 9
  return (
    era * 146097 +
    yoe * 365 +
    floor(yoe / 4) -
    floor(yoe / 100) +
    floor((153 * mp + 2) / 5) -
    719468
  )
}

/** The calendar period index and its end (ms) for a window letter: d, w (Monday) or m. */
export function calendarPeriod(letter: string, nowS: number): [number, number] {
  const day = floor(nowS / 86400)
  if (letter === 'd') return [day, (day + 1) * 86400000]
  if (letter === 'w') {
    const week = floor((day + 3) / 7)
    return [week, (week * 7 + 4) * 86400000]
  }
  const z = day + 719468
  const era = floor(z / 146097)
  const doe = z - era * 146097
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  const mp = floor((5 * doy + 2) / 153)
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1]
  return [y * 12 + m - 1, monthStartDay(ny, nm) * 86400000]
}

function hasScope(have: string, need: string): boolean {
  if (have.includes(`,${need},`) || have.includes(',*,')) return true
  for (let colon = need.indexOf(':'); colon >= 0; colon = need.indexOf(':', colon + 1)) {
    if (have.includes(`,${need.slice(0, colon + 1)}*,`)) return true
  }
  return false
}

interface Window {
  index: number
  limit: number
  letter: string
  bucket: number
  slots: number
  size: number
  last: number | undefined
  sum: number
  cur: number
  reset: number
  expiring: string[]
}

export function memoryVerify(input: MemoryVerifyInput): Array<number | string> {
  const { hot, hash, cost } = input
  const now = input.nowMicros
  const nowMs = floor(now / 1000)
  const nowS = floor(now / 1000000)
  if (!hot) return [1]
  const f = (field: string) => hot.get(field)

  if (f('h') !== hash && !(f('h2') === hash && nowMs < num(f('h2x')))) return [1]
  if (f('s') !== '1') return [2]
  const x = f('x')
  if (x !== undefined && nowMs >= Number(x)) return [3]
  if (input.scopes.length > 0) {
    const have = `,${f('sc') ?? ''},`
    for (const need of input.scopes) if (!hasScope(have, need)) return [4]
  }

  const out: Array<number | string> = [0, 0, 0]
  let failed = 0
  let failWait = 0
  const fail = (window: number, wait: number) => {
    let worse: boolean
    if (failed === 0) worse = true
    else if (window >= 3 !== failed >= 3) worse = window >= 3
    else worse = failWait >= 0 && (wait < 0 || wait > failWait)
    if (worse) {
      failed = window
      failWait = wait
    }
  }

  const qt = num(f('qt'))
  const usedTotal = Number(f('tt') ?? '0')
  if (qt >= 0 && usedTotal + cost > qt) fail(3, -1)

  const calendar = f('qc') === '1'
  const dels: string[] = []
  const windows: Window[] = [
    [4, 'qd', 'd', 24, 3600],
    [5, 'qw', 'w', 28, 21600],
    [6, 'qm', 'm', 30, 86400],
  ].map(([index, limitField, letter, slots, size]) => {
    const bucket = floor(nowS / (size as number))
    return {
      index: index as number,
      limit: num(f(limitField as string)),
      letter: letter as string,
      bucket,
      slots: slots as number,
      size: size as number,
      last: f(`${letter}b`) === undefined ? undefined : Number(f(`${letter}b`)),
      sum: Number(f(`${letter}s`) ?? '0'),
      cur: Number(f(`${letter}${bucket % (slots as number)}`) ?? '0'),
      reset: 0,
      expiring: [],
    }
  })

  for (const w of windows) {
    if (w.limit < 0) continue
    if (calendar) {
      const [period, reset] = calendarPeriod(w.letter, nowS)
      if (w.last !== period) w.sum = 0
      w.bucket = period
      w.reset = reset
      continue
    }
    if (w.last !== undefined && w.bucket < w.last) {
      w.bucket = w.last
      w.cur = Number(f(`${w.letter}${w.bucket % w.slots}`) ?? '0')
    }
    if (w.last === undefined) {
      w.sum = 0
      w.cur = 0
    } else if (w.bucket - w.last >= w.slots) {
      for (let i = 0; i < w.slots; i++) dels.push(`${w.letter}${i}`)
      w.sum = 0
      w.cur = 0
    } else if (w.bucket > w.last) {
      for (let i = w.last + 1; i <= w.bucket; i++) w.expiring.push(`${w.letter}${i % w.slots}`)
      w.cur = 0
    }
    for (const slot of w.expiring) w.sum -= Number(f(slot) ?? '0')
    w.reset = (w.bucket + 1) * w.size * 1000
  }

  for (const w of windows) {
    if (w.limit >= 0 && w.sum + cost > w.limit) fail(w.index, w.reset - nowMs)
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
  let newS: number | undefined
  let newM: number | undefined
  let tS = 0
  let tM = 0
  if (ps > 0) {
    if (pb <= 0) pb = ps
    const t = Math.ceil(1000000 / ps)
    tS = t
    newS = Math.max(Number(tatS ?? '0'), now) + t
    if (newS - now > pb * t) fail(1, Math.ceil((newS - now - pb * t) / 1000))
    out.push(pb, floor((pb * t - (newS - now)) / t), Math.ceil((newS - now) / 1000))
  } else out.push(-1, -1, 0)
  if (pm > 0) {
    const t = Math.ceil(60000000 / pm)
    tM = t
    newM = Math.max(Number(tatM ?? '0'), now) + t
    if (newM - now > pm * t) fail(2, Math.ceil((newM - now - pm * t) / 1000))
    out.push(pm, floor((pm * t - (newM - now)) / t), Math.ceil((newM - now) / 1000))
  } else out.push(-1, -1, 0)

  out.push(qt, qt >= 0 ? qt - usedTotal - cost : -1, -1)
  for (const w of windows) {
    if (w.limit >= 0) out.push(w.limit, w.limit - w.sum - cost, w.reset - nowMs)
    else out.push(-1, -1, 0)
  }

  if (failed > 0) {
    out[0] = failed >= 3 ? 5 : 6
    out[1] = failed
    out[2] = failWait
    if (ps > 0 && newS !== undefined) {
      out[4] = Math.max((out[4] as number) + 1, 0)
      out[5] = Math.ceil(Math.max(newS - tS - now, 0) / 1000)
    }
    if (pm > 0 && newM !== undefined) {
      out[7] = Math.max((out[7] as number) + 1, 0)
      out[8] = Math.ceil(Math.max(newM - tM - now, 0) / 1000)
    }
    for (let k = 3; k <= 6; k++) {
      if ((out[3 * k] as number) >= 0)
        out[3 * k + 1] = Math.max((out[3 * k + 1] as number) + cost, 0)
    }
    return out
  }

  const sets: Array<[string, number]> = [
    ['lu', nowMs],
    ['tt', usedTotal + cost],
  ]
  for (const w of windows) {
    if (w.limit < 0) continue
    sets.push([`${w.letter}b`, w.bucket], [`${w.letter}s`, w.sum + cost])
    if (!calendar) {
      const slot = `${w.letter}${w.bucket % w.slots}`
      sets.push([slot, w.cur + cost])
      for (const old of w.expiring) if (old !== slot) dels.push(old)
    }
  }
  if (userScope && (newS !== undefined || newM !== undefined)) {
    const u = input.userRate()
    if (newS !== undefined) u.set('ts', String(newS))
    if (newM !== undefined) u.set('tm', String(newM))
    input.userRateTouched(Math.ceil((Math.max(newS ?? 0, newM ?? 0) - now) / 1000) + 1000)
  } else {
    if (newS !== undefined) sets.push(['ts', newS])
    if (newM !== undefined) sets.push(['tm', newM])
  }
  for (const field of dels) hot.delete(field)
  for (const [field, value] of sets) hot.set(field, String(value))
  out.push(input.record ?? '')
  return out
}
