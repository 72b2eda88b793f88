// Quota periods: rolling sub-buckets, and UTC calendar days, ISO weeks and months checked against Date.

import {
  calendarPeriod,
  calendarStart,
  QUOTA_WINDOWS,
  quotaPeriod,
  RING_TTL_MS,
  rollingBucket,
  YEARLY_RING_TTL_MS,
} from '../../src/limits'

const DAY = 86_400_000
const at = (iso: string): number => Date.parse(iso)

/** Every day from December 1968 to February 1972, at noon: weeks before and after the epoch. */
const NOONS = Array.from({ length: 1188 }, (_, i) => Date.UTC(1968, 11, 1) + i * DAY + DAY / 2)

/** Every month from 1899 to 2401 (leap years, century years, before the epoch): [year, month]. */
const MONTHS = Array.from({ length: 503 * 12 }, (_, i): [number, number] => [
  1899 + Math.floor(i / 12),
  i % 12,
])

describe('rolling quota windows', () => {
  it('span a day, a week, 30 days and 365 days: the closed sub-buckets of the ring', () => {
    const seconds = {
      daily: 86_400,
      weekly: 7 * 86_400,
      monthly: 30 * 86_400,
      yearly: 365 * 86_400,
    }
    expect(QUOTA_WINDOWS.map((spec) => spec.name)).toEqual(['daily', 'weekly', 'monthly', 'yearly'])
    for (const [position, spec] of QUOTA_WINDOWS.entries()) {
      expect((spec.slots - 1) * spec.bucketSeconds).toBe(seconds[spec.name])
      expect(spec.letter).toBe(spec.name[0])
      expect(spec.index).toBe(4 + position)
    }
  })

  it('keep a ring longer than the longest window, but not much longer', () => {
    expect(RING_TTL_MS).toBeGreaterThan(30 * DAY)
    expect(RING_TTL_MS).toBeLessThanOrEqual(31 * DAY)
    // With yearly buckets: longer than 365 days and the current sub-bucket, at most a week more.
    const yearly = QUOTA_WINDOWS.find((w) => w.name === 'yearly')!
    expect(YEARLY_RING_TTL_MS).toBeGreaterThan(yearly.slots * yearly.bucketSeconds * 1000)
    expect(YEARLY_RING_TTL_MS).toBeLessThanOrEqual(372 * DAY)
  })

  it('put a moment in the sub-bucket that holds it', () => {
    const [daily, weekly, monthly] = QUOTA_WINDOWS
    expect(rollingBucket(daily!, 0)).toBe(0)
    expect(rollingBucket(daily!, 3_599_999)).toBe(0)
    expect(rollingBucket(daily!, 3_600_000)).toBe(1)
    expect(rollingBucket(weekly!, 6 * 3_600_000)).toBe(1)
    expect(rollingBucket(weekly!, 6 * 3_600_000 - 1)).toBe(0)
    expect(rollingBucket(monthly!, at('2026-03-04T10:30:00Z'))).toBe(
      Math.floor(at('2026-03-04T10:30:00Z') / DAY),
    )
  })
})

describe('calendar periods (UTC)', () => {
  it('a day: numbered from the epoch, ending at the next midnight', () => {
    expect(calendarPeriod('d', at('2026-03-04T00:00:00Z'))).toEqual([
      20516,
      at('2026-03-05T00:00:00Z'),
    ])
    expect(calendarPeriod('d', at('2026-03-04T23:59:59.999Z'))).toEqual([
      20516,
      at('2026-03-05T00:00:00Z'),
    ])
    expect(calendarPeriod('d', at('1969-12-31T12:00:00Z'))).toEqual([-1, 0])
  })

  it('an ISO week: Monday 00:00 to the next Monday, one number per week', () => {
    expect(calendarPeriod('w', at('2026-03-04T10:30:00Z'))[1]).toBe(at('2026-03-09T00:00:00Z'))
    expect(calendarPeriod('w', at('2026-03-08T23:59:59.999Z'))[1]).toBe(at('2026-03-09T00:00:00Z'))
    expect(calendarPeriod('w', at('2026-03-09T00:00:00Z'))[1]).toBe(at('2026-03-16T00:00:00Z'))
    // One assertion over the whole sweep: the days whose period is not the one Date gives.
    const wrong: string[] = []
    let previous = calendarPeriod('w', NOONS[0]! - DAY)
    for (const noon of NOONS) {
      const week = calendarPeriod('w', noon)
      const weekday = new Date(noon).getUTCDay()
      const number = weekday === 1 ? previous[0] + 1 : previous[0]
      const end = noon - DAY / 2 + ((8 - weekday) % 7 || 7) * DAY
      if (week[0] !== number || week[1] !== end) wrong.push(new Date(noon).toISOString())
      previous = week
    }
    // The first few only: a diff of thousands of dates would take longer than the check.
    expect(wrong.slice(0, 3)).toEqual([])
  })

  it('a month: its first to its last millisecond, ending on the first of the next, for five centuries', () => {
    // One assertion over the whole sweep: the months whose period is not the one Date gives.
    const wrong: string[] = []
    const seen = new Set<number>()
    for (const [year, month] of MONTHS) {
      const start = Date.UTC(year, month, 1)
      const end = Date.UTC(year, month + 1, 1)
      const [number, ends] = calendarPeriod('m', start)
      const middle = calendarPeriod('m', start + 14 * DAY + 1)
      const last = calendarPeriod('m', end - 1)
      const same = middle[0] === number && last[0] === number
      if (ends !== end || middle[1] !== end || last[1] !== end || !same || seen.has(number)) {
        wrong.push(new Date(start).toISOString())
      }
      seen.add(number)
    }
    // The first few only: a diff of thousands of dates would take longer than the check.
    expect(wrong.slice(0, 3)).toEqual([])
  })

  it('numbers each period as the verification script does (usage compares the two)', () => {
    // verify.lua: day = floor(ms / 86400000), week = floor((day + 3) / 7), month = year * 12 + mp,
    // where mp counts months from March (0) and January and February count in the civil year.
    const now = at('2026-03-04T10:30:00Z')
    expect(calendarPeriod('d', now)[0]).toBe(20516)
    expect(calendarPeriod('w', now)[0]).toBe(Math.floor((20516 + 3) / 7))
    expect(calendarPeriod('m', now)[0]).toBe(2026 * 12 + 0)
    expect(calendarPeriod('m', at('2026-01-15T00:00:00Z'))[0]).toBe(2026 * 12 + 10)
    expect(calendarPeriod('m', at('2026-02-15T00:00:00Z'))[0]).toBe(2026 * 12 + 11)
    expect(calendarPeriod('m', at('2025-12-15T00:00:00Z'))[0]).toBe(2025 * 12 + 9)
    expect(calendarPeriod('m', at('1969-12-15T00:00:00Z'))[0]).toBe(1969 * 12 + 9)
  })

  it('a year: January 1st to January 1st, UTC, for five centuries (leap years too)', () => {
    const wrong: string[] = []
    for (let year = 1899; year <= 2401; year++) {
      const start = Date.UTC(year, 0, 1)
      const end = Date.UTC(year + 1, 0, 1)
      for (const moment of [start, start + 59 * DAY + 1, end - 1]) {
        const [number, ends] = calendarPeriod('y', moment)
        if (number !== year || ends !== end || calendarStart('y', moment) !== start) {
          wrong.push(new Date(moment).toISOString())
        }
      }
    }
    expect(wrong.slice(0, 3)).toEqual([])
  })

  it('starts each period where the one before it ended', () => {
    for (const letter of ['d', 'w', 'm', 'y']) {
      const now = at('2028-02-29T10:30:00Z')
      const start = calendarStart(letter, now)
      expect(calendarPeriod(letter, start)[1]).toBe(calendarPeriod(letter, now)[1])
      expect(calendarPeriod(letter, start - 1)[1]).toBe(start)
    }
    const yearly = QUOTA_WINDOWS.find((w) => w.name === 'yearly')!
    expect(quotaPeriod(yearly, true, at('2028-02-29T10:30:00Z'))).toEqual([
      at('2028-01-01T00:00:00Z'),
      at('2029-01-01T00:00:00Z'),
    ])
    // Rolling: the 74 five-day sub-buckets, the current one included.
    const [from, to] = quotaPeriod(yearly, false, at('2028-02-29T10:30:00Z'))
    expect(to - from).toBe(370 * DAY)
    expect(to).toBeGreaterThan(at('2028-02-29T10:30:00Z'))
  })

  it('a month around the turn of a year', () => {
    const march = calendarPeriod('m', at('2026-03-01T00:00:00Z'))
    expect(calendarPeriod('m', at('2026-03-31T23:59:59.999Z'))).toEqual(march)
    expect(calendarPeriod('m', at('2026-02-28T23:59:59.999Z'))[1]).toBe(at('2026-03-01T00:00:00Z'))
    expect(calendarPeriod('m', at('2026-12-31T23:59:59.999Z'))[1]).toBe(at('2027-01-01T00:00:00Z'))
  })
})
