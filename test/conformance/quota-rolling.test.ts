// Rolling quota windows (daily, weekly, monthly, yearly): the edge of the window, never over-admitting, the reset.

import { call, statuses, useStore } from '../harness/guard'
import { DAY, HOUR, STORE_KINDS } from '../harness/stores'

const WINDOWS = [
  { period: 'daily', window: DAY, sub: HOUR, seconds: 86400, step: HOUR },
  { period: 'weekly', window: 7 * DAY, sub: 6 * HOUR, seconds: 604800, step: 6 * HOUR },
  { period: 'monthly', window: 30 * DAY, sub: DAY, seconds: 2592000, step: DAY },
  // Random traffic steps 15 days at most: 150 requests then span a few 73-bucket windows.
  { period: 'yearly', window: 365 * DAY, sub: 5 * DAY, seconds: 31536000, step: 15 * DAY },
] as const

/** The `t` of the RateLimit header's only item. */
const resetOf = (header: unknown): number => Number(/;t=(\d+)$/.exec(String(header))?.[1])

/** A small deterministic pseudo-random generator, so a failure replays identically. */
function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

describe.each(STORE_KINDS)('rolling quotas (%s store)', (kind) => {
  const c = useStore(kind)

  /** Moves the clock to the start of a fresh sub-bucket well after anything used before. */
  const freshBucketStart = (sub: number): number => {
    const at = (Math.floor(c.clock.ms / sub) + 100) * sub
    c.clock.set(at)
    return at
  }

  describe.each(WINDOWS)('$period', ({ period, window, sub, seconds, step }) => {
    const create = async (limit: number) =>
      (await c.keys.create({ name: `Rolling ${period}`, quotas: { [period]: limit } })).data

    it('admits the limit, then 401 QUOTA_EXCEEDED naming the window', async () => {
      const app = c.app()
      freshBucketStart(sub)
      const key = await create(2)
      const first = await call(app, key.api_key)
      expect(first.headers['ratelimit-policy']).toBe(`"${period}";q=2;w=${seconds}`)
      expect(first.headers.ratelimit).toMatch(new RegExp(`^"${period}";r=1;t=\\d+$`))
      expect((await call(app, key.api_key)).status).toBe(200)
      const over = await call(app, key.api_key)
      expect(over.status).toBe(401)
      expect(over.body).toEqual({
        error: `Rate limit exceeded: quota ${period}`,
        code: 'QUOTA_EXCEEDED',
      })
      const usage = (await c.keys.usage(key.id)).data
      expect(usage.windows).toEqual([
        expect.objectContaining({ period, used: 2, limit: 2, remaining: 0 }),
      ])
    })

    it('still counts a request made just inside the window (never over-admits)', async () => {
      const app = c.app()
      // The request sits at the very end of its sub-bucket: the worst case for the edge.
      const used = freshBucketStart(sub) + sub - 1
      c.clock.set(used)
      const key = await create(1)
      expect((await call(app, key.api_key)).status).toBe(200)

      c.clock.set(used + window - 1)
      expect((await call(app, key.api_key)).status).toBe(401)
      // …and gives the credit back at most one sub-bucket late.
      c.clock.set(used + window + sub)
      expect((await call(app, key.api_key)).status).toBe(200)
    })

    it('gives credit back when the oldest sub-bucket leaves the window, and only its credit', async () => {
      const app = c.app()
      const start = freshBucketStart(sub)
      const key = await create(3)
      expect((await call(app, key.api_key)).status).toBe(200)
      c.clock.set(start + sub + sub / 2)
      expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])

      // The first sub-bucket leaves one full window plus one sub-bucket after it began.
      c.clock.set(start + window + sub - 1)
      expect((await call(app, key.api_key)).status).toBe(401)
      c.clock.set(start + window + sub)
      expect(await statuses(app, key.api_key, 2)).toEqual([200, 401])
      c.clock.set(start + window + 2 * sub)
      expect(await statuses(app, key.api_key, 3)).toEqual([200, 200, 401])
    })

    it('tells the truth in Retry-After: not a moment earlier, and no later', async () => {
      const app = c.app()
      const start = freshBucketStart(sub)
      c.clock.set(start + sub / 2)
      const key = await create(1)
      expect((await call(app, key.api_key)).status).toBe(200)

      c.clock.advance(5 * sub)
      const over = await call(app, key.api_key)
      expect(over.status).toBe(401)
      const retryAfter = Number(over.headers['retry-after'])
      expect(retryAfter).toBe((start + window + sub - c.clock.ms) / 1000)
      expect(over.headers.ratelimit).toBe(`"${period}";r=0;t=${retryAfter}`)

      const now = c.clock.ms
      c.clock.set(now + (retryAfter - 1) * 1000)
      expect((await call(app, key.api_key)).status).toBe(401)
      c.clock.set(now + retryAfter * 1000)
      expect((await call(app, key.api_key)).status).toBe(200)
    })

    it('RateLimit t is when credit comes back: the usage reset_time, and Retry-After once full', async () => {
      const app = c.app()
      const start = freshBucketStart(sub)
      c.clock.set(start + sub / 2)
      const key = await create(2)
      // One credit used: it leaves the window one window after its sub-bucket ends.
      const first = await call(app, key.api_key)
      expect(resetOf(first.headers.ratelimit)).toBe((start + window + sub - c.clock.ms) / 1000)
      const usage = (await c.keys.usage(key.id)).data.windows[0]
      expect(Date.parse(usage?.reset_time ?? '')).toBe(
        c.clock.ms + resetOf(first.headers.ratelimit) * 1000,
      )

      // Three sub-buckets later the last credit goes: the oldest one still decides the reset…
      c.clock.advance(3 * sub)
      const last = await call(app, key.api_key)
      expect(last.headers.ratelimit).toMatch(/;r=0;/)
      const t = resetOf(last.headers.ratelimit)
      expect(t).toBe((start + window + sub - c.clock.ms) / 1000)
      // …and the refusal that follows says the same, in both headers.
      const over = await call(app, key.api_key)
      expect(over.status).toBe(401)
      expect(Number(over.headers['retry-after'])).toBe(t)
      expect(resetOf(over.headers.ratelimit)).toBe(t)

      // Once the first credit left, the second one's sub-bucket decides.
      c.clock.set(start + window + sub)
      const again = await call(app, key.api_key)
      expect(again.status).toBe(200)
      expect(resetOf(again.headers.ratelimit)).toBe(
        (start + 3 * sub + window + sub - c.clock.ms) / 1000,
      )
    })

    it('never over-admits, and under-admits by at most one sub-bucket, under random traffic', async () => {
      const app = c.app()
      const limit = 5
      freshBucketStart(sub)
      const key = await create(limit)
      const next = random(period.length * 7919)
      const admitted: number[] = []
      const rejected: number[] = []
      for (let i = 0; i < 150; i++) {
        const r = next()
        c.clock.advance(r < 0.3 ? 0 : Math.floor(next() * 2 * step * (limit / 8)))
        const res = await call(app, key.api_key)
        expect([200, 401]).toContain(res.status)
        ;(res.status === 200 ? admitted : rejected).push(c.clock.ms)
      }
      const within = (from: number, to: number) =>
        admitted.filter((t) => t > from && t <= to).length
      for (const t of admitted) expect(within(t - window, t)).toBeLessThanOrEqual(limit)
      for (const t of rejected) expect(within(t - window - sub, t)).toBeGreaterThanOrEqual(limit)
      // The traffic did exercise both sides.
      expect(admitted.length).toBeGreaterThan(limit)
      expect(rejected.length).toBeGreaterThan(0)
    })
  })
})
