// MemoryStore runs a TS port of lua/verify.lua: random traffic must give identical verdicts on both.

import fc from 'fast-check'
import { KeyManager, MemoryStore, RedisStore, type Verdict } from '../src'
import { hashToken, parseToken } from '../src/token'
import { deletePrefix, testRedisUrl, uniquePrefix } from './harness/redis'

const HOUR = 3600000

describe('MemoryStore and RedisStore agree', () => {
  const prefix = uniquePrefix()
  afterAll(async () => {
    await deletePrefix(prefix)
  })

  it.each([
    ['over days', 9 * HOUR],
    // Long steps: the yearly window's 5-day buckets close, leave, and the ring's TTL matters.
    ['over months', 40 * 24 * HOUR],
  ])('on random traffic %s, with every limit set', async (_span, longStep) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            advanceMs: fc.oneof(
              fc.integer({ min: 0, max: 400 }),
              fc.integer({ min: 0, max: longStep }),
            ),
            cost: fc.integer({ min: 0, max: 4 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.boolean(),
        async (steps, calendar) => {
          let now = Date.parse('2026-03-30T22:10:00Z')
          const clock = () => now
          const memory = new MemoryStore({ clock })
          const redis = new RedisStore({ url: testRedisUrl(), prefix, clock })
          try {
            const limits = {
              rate: { per_second: 3, burst: 5, per_minute: 20 },
              quotas: { total: 120, daily: 15, weekly: 40, monthly: 90, yearly: 100 },
            }
            const verdicts: Verdict[][] = [[], []]
            for (const [i, store] of [memory, redis].entries()) {
              const keys = new KeyManager(store)
              const planId = `p${calendar ? 'c' : 'r'}${i}`
              if (!(await store.loadPlan(planId))) {
                await keys.plans.create({
                  id: planId,
                  name: 'p',
                  quota_window: calendar ? 'calendar' : 'rolling',
                })
              }
              const { data } = await keys.create({ name: 'k', plan_id: planId, ...limits })
              const token = parseToken(data.api_key, 'kg')!
              now = Date.parse('2026-03-30T22:10:00Z')
              for (const step of steps) {
                now += step.advanceMs
                const v = await store.verify({
                  id: token.id,
                  tag: token.tag,
                  hash: hashToken(data.api_key),
                  cost: step.cost,
                  scopes: [],
                })
                verdicts[i]?.push({ ...v, record: null, recordVersion: '' })
              }
              // usage, recomputed from the ring, agrees exactly with the script's running sums
              const usage = await keys.usage(data.id)
              const final = verdicts[i]?.filter((v) => v.windows.length > 0).at(-1)
              for (const name of ['daily', 'weekly', 'monthly', 'yearly'] as const) {
                const fromUsage = usage.data.windows.find((w) => w.period === name)
                const fromScript = final?.windows.find((w) => w.name === name)
                if (final) expect(fromUsage?.remaining).toBe(fromScript?.remaining)
                // …and so does its reset, when the last request was admitted: RateLimit's t.
                const last = verdicts[i]?.at(-1)
                if (last?.outcome === 'ok' && fromScript && fromUsage && fromUsage.used > 0) {
                  expect(Date.parse(fromUsage.reset_time ?? '')).toBe(
                    last.nowMs + fromScript.resetMs,
                  )
                }
              }
            }
            expect(verdicts[1]).toEqual(verdicts[0])
          } finally {
            await memory.close()
            await redis.close()
          }
        },
      ),
      { numRuns: 40 },
    )
  })
})
