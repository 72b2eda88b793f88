// Quota windows and their periods: rolling sub-buckets and UTC calendar periods, shared by MemoryStore and usage.

/** A quota window as the stores keep it: hot fields `<letter>b|s|c`, ring fields `<letter>0…`. */
export interface QuotaWindowSpec {
  name: 'daily' | 'weekly' | 'monthly' | 'yearly'
  /** The letter of its fields in the hot and ring hashes. */
  letter: 'd' | 'w' | 'm' | 'y'
  /** Rolling: closed sub-buckets kept in the ring (the window is `slots - 1` buckets and the current one). */
  slots: number
  /** Rolling: one sub-bucket, in seconds. */
  bucketSeconds: number
  /** Its place in the verification reply and in failure ranking (4 daily … 7 yearly). */
  index: 4 | 5 | 6 | 7
}

export const QUOTA_WINDOWS: readonly QuotaWindowSpec[] = [
  { name: 'daily', letter: 'd', slots: 25, bucketSeconds: 3600, index: 4 },
  { name: 'weekly', letter: 'w', slots: 29, bucketSeconds: 21600, index: 5 },
  { name: 'monthly', letter: 'm', slots: 31, bucketSeconds: 86400, index: 6 },
  // 365 days in 5-day sub-buckets: 73 closed ones and the current one.
  { name: 'yearly', letter: 'y', slots: 74, bucketSeconds: 432000, index: 7 },
]

/** How long a ring outlives its last write: longer than the longest window but the year (30 days). */
export const RING_TTL_MS = 31 * 86400000
/** A ring that holds yearly buckets outlives its last write longer than a year's window (365 days + one bucket). */
export const YEARLY_RING_TTL_MS = 371 * 86400000

const DAY_MS = 86400000
const floor = Math.floor

/** When the calendar period a moment falls in began (ms): UTC midnight, Monday, the 1st, January 1st. */
export function calendarStart(letter: string, nowMs: number): number {
  const day = floor(nowMs / DAY_MS)
  if (letter === 'd') return day * DAY_MS
  if (letter === 'w') return (floor((day + 3) / 7) * 7 - 3) * DAY_MS
  const [y, mp] = civilMonth(day)
  return (letter === 'y' ? monthDay(y, 10) : monthDay(y, mp)) * DAY_MS
}

/** The rolling sub-bucket a moment falls in. */
export const rollingBucket = (spec: QuotaWindowSpec, nowMs: number): number =>
  floor(nowMs / (spec.bucketSeconds * 1000))

/** Year and March-based month (0 = March) of a day since the epoch (civil calendar, UTC). */
function civilMonth(day: number): [number, number] {
  const z = day + 719468
  const era = floor(z / 146097)
  const doe = z - era * 146097
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  const mp = floor((5 * doy + 2) / 153)
  return [yoe + era * 400 + (mp >= 10 ? 1 : 0), mp]
}

/** First day (since the epoch) of the month with March-based index `mp` in year `year`. */
function monthDay(year: number, mp: number): number {
  const y = mp >= 10 ? year - 1 : year
  const era = floor(y / 400)
  const yoe = y - era * 400
  const daysBefore = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + floor((153 * mp + 2) / 5)
  return era * 146097 + daysBefore - 719468
}

/**
 * The calendar period a moment falls in, and when it ends (ms): the UTC day (`d`), the ISO week
 * starting Monday (`w`), the month (`m`; its index is only ever compared for equality), the UTC
 * year (`y`).
 */
export function calendarPeriod(letter: string, nowMs: number): [number, number] {
  const day = floor(nowMs / DAY_MS)
  if (letter === 'd') return [day, (day + 1) * DAY_MS]
  if (letter === 'w') {
    const week = floor((day + 3) / 7)
    return [week, (week * 7 + 4) * DAY_MS]
  }
  const [y, mp] = civilMonth(day)
  // The next year starts with January (March-based month 10, counted in the year before it).
  if (letter === 'y') return [y, monthDay(y + 1, 10) * DAY_MS]
  // The next month: December (mp 9) is followed by January of the next year.
  const [ny, nmp] = mp === 9 ? [y + 1, 10] : [y, (mp + 1) % 12]
  return [y * 12 + mp, monthDay(ny, nmp) * DAY_MS]
}

/**
 * The period a quota window counts at a moment (ms): a calendar window's UTC period, or a rolling
 * window's sub-buckets, the current one included (so it ends when the current sub-bucket does).
 */
export function quotaPeriod(
  spec: QuotaWindowSpec,
  calendar: boolean,
  nowMs: number,
): [start: number, end: number] {
  if (calendar) return [calendarStart(spec.letter, nowMs), calendarPeriod(spec.letter, nowMs)[1]]
  const size = spec.bucketSeconds * 1000
  const end = (rollingBucket(spec, nowMs) + 1) * size
  return [end - spec.slots * size, end]
}
