// GCRA: one theoretical arrival time per bucket; what a step admits, what it leaves, how long to wait.

import { gcraRemaining, gcraStep } from '../../src/limits'

const SECOND = 1_000_000 // µs
const NOW = 5_000_000_000

describe('gcraStep', () => {
  it('starts a full bucket at now plus one emission interval (rounded up, µs)', () => {
    expect(gcraStep(undefined, NOW, 3, SECOND, 3)).toEqual({
      tat: NOW + 333_334,
      interval: 333_334,
      capacity: 3,
      ahead: 333_334,
      waitMs: 0,
    })
  })

  it('treats an arrival time in the past as a full bucket', () => {
    expect(gcraStep(NOW - 10 * SECOND, NOW, 10, SECOND, 5)).toMatchObject({
      tat: NOW + 100_000,
      ahead: 100_000,
    })
  })

  it('runs ahead of a stored arrival time in the future', () => {
    expect(gcraStep(NOW + 250_000, NOW, 10, SECOND, 5)).toMatchObject({
      tat: NOW + 350_000,
      ahead: 350_000,
      waitMs: 0,
    })
  })

  it('fits exactly at capacity, and waits (ms, rounded up) one µs beyond it', () => {
    // 10/s with a burst of 5: 5 intervals ahead still fit.
    expect(gcraStep(NOW + 400_000, NOW, 10, SECOND, 5).waitMs).toBe(0)
    expect(gcraStep(NOW + 400_001, NOW, 10, SECOND, 5).waitMs).toBe(1)
    expect(gcraStep(NOW + 450_000, NOW, 10, SECOND, 5).waitMs).toBe(50)
    expect(gcraStep(NOW + 450_001, NOW, 10, SECOND, 5).waitMs).toBe(51)
  })
})

describe('gcraRemaining', () => {
  it('after an admitted request: whole requests left, ms until the bucket is full', () => {
    const fresh = gcraStep(undefined, NOW, 10, SECOND, 5)
    expect(gcraRemaining(fresh, true)).toEqual([4, 100])
    const half = gcraStep(NOW + 150_001, NOW, 10, SECOND, 5)
    expect(gcraRemaining(half, true)).toEqual([2, 251])
    const last = gcraStep(NOW + 400_000, NOW, 10, SECOND, 5)
    expect(gcraRemaining(last, true)).toEqual([0, 500])
  })

  it('after a refused request: the step is not taken, so one more is left and it resets an interval sooner', () => {
    const full = gcraStep(NOW + 400_000, NOW, 10, SECOND, 5)
    expect(gcraRemaining(full, false)).toEqual([1, 400])
    const over = gcraStep(NOW + 600_000, NOW, 10, SECOND, 5)
    expect(gcraRemaining(over, false)).toEqual([0, 600])
    const partial = gcraStep(NOW + 400_001, NOW, 10, SECOND, 5)
    expect(gcraRemaining(partial, false)).toEqual([0, 401])
  })

  it('takes nothing from a bucket with room when another limit refused the request', () => {
    const fresh = gcraStep(undefined, NOW, 10, SECOND, 5)
    expect(gcraRemaining(fresh, false)).toEqual([5, 0])
    const used = gcraStep(NOW + 150_000, NOW, 10, SECOND, 5)
    expect(gcraRemaining(used, false)).toEqual([3, 150])
  })

  it('clamps the requests left at zero however far ahead the bucket runs', () => {
    const far = gcraStep(NOW + 5 * SECOND, NOW, 10, SECOND, 5)
    expect(far.waitMs).toBe(4600)
    expect(gcraRemaining(far, false)).toEqual([0, 5000])
  })
})
