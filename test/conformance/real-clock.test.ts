// With no test clock: Redis TIME (seconds and microseconds) and Date.now drive the rates, observed with real sleeps.

import { hashToken, parseToken } from '../../src/token'
import { STORE_KINDS, useStoreOf } from '../harness/stores'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(STORE_KINDS)('the real clock (%s store)', (kind) => {
  const s = useStoreOf(kind)

  it('a sub-second refill: 10 per second, burst 1, seen over five 130 ms sleeps', async () => {
    const { data } = await s.keys.create({ name: 'Real clock', rate: { per_second: 10, burst: 1 } })
    const parsed = parseToken(data.api_key, 'kg')
    if (!parsed) throw new Error('unparsable token')
    const request = { ...parsed, hash: hashToken(data.api_key), cost: 1, scopes: [] }
    expect((await s.store.verify(request)).outcome).toBe('ok')
    for (let round = 0; round < 5; round++) {
      // At once: the bucket (one request) is empty, and refills in 100 ms, never sooner.
      const refused = await s.store.verify(request)
      expect(refused.outcome).toBe('rate')
      expect(refused.retryAfterMs).toBeGreaterThan(0)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(100)
      // A clock that lost its sub-second part (or read µs as ms) would not refill here.
      await sleep(130)
      expect((await s.store.verify(request)).outcome).toBe('ok')
    }
    // The store's time is now: within a second of this machine's (both read real clocks).
    const last = await s.store.verify(request)
    expect(Math.abs(last.nowMs - Date.now())).toBeLessThan(1000)
  })
})
