// Blocks client IPs (IPv6 by /64) after too many failed authentications, counted in memory and shared through Redis.

import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible'
import { KeyguardConfigError } from '../errors'
import type { GuardStore, SharedRedis } from '../store'
import { beforeClose, withTimeout } from '../store'
import { emitEvent, hasEventListeners } from '../telemetry'
import { FailureCounts, setBounded } from './failure-counts'
import { type IpBlock, type IpBlockOptions, named, type Settings, settingsOf } from './options'
import { addSharedBlock, sharedBlocks } from './shared-blocks'
import { indexCounted, unindexBlocked } from './shared-caps'

export interface LocalBlock {
  until: number
  checkedAt: number
}

export const FLUSH_INTERVAL_MS = 1000 // failure counts reach Redis this often (ms), off the request path
const DEFAULT_TIMEOUT_MS = 500 // bounds background Redis writes when fail() is given no timeout

/**
 * Counts failed authentications per IP group in memory (no store call; a process's own count
 * blocks at once) and, with RedisStore, adds them about once a second to a shared count
 * (rate-limiter-flexible's `ip-fail` key), so failures spread over processes block too.
 */
export class IpBlocker {
  failures = 20
  blockSeconds = 900
  /** The shared count on RedisStore; null on MemoryStore (memory only). */
  private limiter: RateLimiterRedis | null = null
  private readonly counts: FailureCounts
  /** Blocks this process knows of, by IP group (read-only outside): the guard reads its size per request. */
  readonly local = new Map<string, LocalBlock>()
  /** MemoryStore's list of blocks (RedisStore keeps it in a sorted set). */
  private readonly memoryBlocks = new Map<string, number>()
  private windowMs = 600_000
  private recheckMs = 5000
  private timeoutMs = DEFAULT_TIMEOUT_MS
  private timer: NodeJS.Timeout | null = null
  /** The flush in progress (one at a time). */
  private flushing: Promise<boolean> | null = null
  private readonly writes = new Set<Promise<void>>() // block writes to Redis in flight
  private readonly redis: SharedRedis | null
  private settings: Settings = settingsOf({})
  /** True once options were named (not only defaults). */
  private explicit = false

  constructor(store: GuardStore, options: IpBlockOptions = {}) {
    this.redis = store.sharedRedis()
    this.counts = new FailureCounts()
    this.configure(options)
    beforeClose(store, () => this.flush()) // unshared failures reach Redis before the store closes
  }

  /** Takes the options another guard names: fine when none were named yet, or the same ones. */
  adopt(options: IpBlockOptions): void {
    if (!named(options)) return
    const wanted = settingsOf(options)
    if (!this.explicit) return this.configure(options)
    const differs = (Object.keys(wanted) as Array<keyof Settings>).some(
      (k) => wanted[k] !== this.settings[k],
    )
    if (differs) {
      throw new KeyguardConfigError(
        `apiKeyGuard: option "ipBlock" is ${JSON.stringify(wanted)} here but ${JSON.stringify(this.settings)} ` +
          "for another guard (or adminRouter's guard.ipBlock) on the same store; give them all the same ipBlock options",
      )
    }
  }

  private configure(options: IpBlockOptions): void {
    this.settings = settingsOf(options)
    this.explicit = named(options)
    this.failures = this.settings.failures
    this.blockSeconds = this.settings.block
    this.windowMs = this.settings.window * 1000
    this.recheckMs = this.settings.recheck * 1000
    this.limiter = this.redis
      ? new RateLimiterRedis({
          points: this.failures,
          duration: this.settings.window,
          blockDuration: this.blockSeconds,
          storeClient: this.redis.client,
          keyPrefix: `${this.redis.prefix}ip-fail`,
        })
      : null
  }

  private get blocksKey(): string | null {
    return this.redis ? `${this.redis.prefix}ip-blocks` : null
  }

  /** True when this process holds any block in memory (ended ones are dropped lazily). */
  hasBlocks(): boolean {
    return this.local.size > 0
  }

  /** Milliseconds this IP group stays blocked, from memory (no store call); 0 when not blocked. */
  blockedMs(group: string, now = Date.now()): number {
    const block = this.local.get(group)
    if (!block) return 0
    if (block.until <= now) {
      this.local.delete(group)
      return 0
    }
    return block.until - now
  }

  /** True when the in-memory copy of this group's block is old enough to re-read. */
  needsRecheck(group: string, now = Date.now()): boolean {
    const block = this.local.get(group)
    return block !== undefined && this.redis !== null && now - block.checkedAt >= this.recheckMs
  }

  /** Re-reads a block from the store (after an unblock elsewhere); returns the ms left. */
  async recheck(group: string, timeoutMs: number): Promise<number> {
    const now = Date.now()
    if (!this.limiter) return this.blockedMs(group, now)
    try {
      const res = await withTimeout(this.limiter.get(group), timeoutMs, 'IP block lookup')
      if (res && res.consumedPoints >= this.failures && res.msBeforeNext > 0) {
        this.setLocal(group, now + res.msBeforeNext, now)
        return res.msBeforeNext
      }
      this.local.delete(group)
      return 0
    } catch {
      // The store is down: keep the block we know about.
      const block = this.local.get(group)
      if (block) block.checkedAt = now
      return this.blockedMs(group, now)
    }
  }

  /**
   * Counts one failed authentication, in memory (no store call); returns the ms the group is now
   * blocked for (0 if not). A `shared` failure also reaches the count all processes share, with
   * the next flush; `timeoutMs` bounds those background writes. The guard shares only guesses
   * (a token that passed its checksum): a malformed token cannot match any key, so a flood of
   * them is throttled by each process on its own and costs Redis nothing.
   */
  fail(group: string, timeoutMs = DEFAULT_TIMEOUT_MS, shared = true): number {
    const now = Date.now()
    const blocked = this.blockedMs(group, now)
    if (blocked > 0) return blocked
    this.timeoutMs = timeoutMs
    // MemoryStore has no shared count: there every failure stays in this process.
    const share = shared && this.limiter !== null
    if (this.counts.add(group, now, this.windowMs, share) < this.failures) {
      this.schedule()
      return 0
    }
    // This failure reached the threshold: block now, so the next request is refused.
    const ms = this.blockSeconds * 1000
    this.block(group, now + ms, now)
    return ms
  }

  /**
   * Writes every failure not yet flushed to Redis and waits for the block writes in flight, so
   * that Redis (and other processes, at their next look) know what this process knows. For tests
   * and shutdown; on its own a process flushes about once a second.
   */
  async flush(): Promise<void> {
    do {
      if (this.timer !== null) {
        clearTimeout(this.timer)
        this.timer = null
      }
      if (!(await this.startFlush())) break
    } while (this.limiter !== null && this.counts.waiting > 0)
    await Promise.all(this.writes)
  }

  /** Blocks a group in memory at once, and records the block (in Redis in the background). */
  private block(group: string, until: number, now: number): Promise<void> {
    this.counts.forget(group)
    this.setLocal(group, until, now)
    if (hasEventListeners()) emitEvent({ type: 'ip-block', group, seconds: this.blockSeconds })
    if (!this.limiter || !this.redis || !this.blocksKey) {
      setBounded(this.memoryBlocks, group, until, (end) => end <= now)
      return Promise.resolve()
    }
    const { client, prefix } = this.redis
    const key = this.blocksKey
    const written = this.limiter
      .block(group, this.blockSeconds)
      .then(() =>
        Promise.all([
          addSharedBlock(client, prefix, key, group, until, this.blockSeconds),
          unindexBlocked(client, prefix, group, this.windowMs),
        ]),
      )
    const write = withTimeout(written, this.timeoutMs, 'IP block write').then(
      () => undefined,
      () => undefined, // Redis down: the block holds in this process all the same.
    )
    this.writes.add(write)
    void write.then(() => this.writes.delete(write))
    return write
  }

  private setLocal(group: string, until: number, now: number): void {
    setBounded(this.local, group, { until, checkedAt: now }, (b) => b.until <= now)
  }

  /** Forgets the windows and blocks that ended (at each flush; past the caps, at once). */
  private sweep(now: number): void {
    this.counts.sweep(now)
    for (const [group, block] of this.local) if (block.until <= now) this.local.delete(group)
    for (const [group, until] of this.memoryBlocks)
      if (until <= now) this.memoryBlocks.delete(group)
  }

  /** Arms the flush timer while failures wait (unref'd: it never keeps the process alive). */
  private schedule(): void {
    if (this.timer !== null || this.flushing !== null || this.counts.waiting === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.startFlush()
    }, FLUSH_INTERVAL_MS)
    this.timer.unref()
  }

  /** Starts a flush unless one runs; resolves to false when Redis did not take the batch. */
  private startFlush(): Promise<boolean> {
    if (this.flushing) return this.flushing
    const run = this.flushBatch().finally(() => {
      this.flushing = null
      this.schedule()
    })
    this.flushing = run
    return run
  }

  /** Adds one batch of failures to the shared counts; blocks the groups whose total reached the threshold. */
  private async flushBatch(): Promise<boolean> {
    this.sweep(Date.now())
    const limiter = this.limiter
    const batch = this.counts.take()
    if (!limiter || batch.length === 0) return true
    let totals: Array<RateLimiterRes | null>
    try {
      totals = await withTimeout(
        Promise.all(batch.map(([group, n]) => limiter.penalty(group, n).catch(() => null))),
        this.timeoutMs,
        'IP failure count',
      )
    } catch {
      // Redis down: these failures still count in this process, not in the shared total. They
      // are not sent again, as a write that timed out may have landed all the same.
      return false
    }
    await this.capShared(batch, totals)
    const blocks: Array<Promise<void>> = []
    batch.forEach(([group, n], i) => {
      const res = totals[i]
      const at = Date.now()
      if (!res || res.consumedPoints < this.failures || this.blockedMs(group, at) > 0) return
      if (res.consumedPoints - n < this.failures) {
        // This batch took the shared total to the threshold: this process makes the block.
        blocks.push(this.block(group, at + this.blockSeconds * 1000, at))
      } else if (res.msBeforeNext > 0) {
        // Already past it: another process blocked the group (or is about to).
        this.counts.forget(group)
        this.setLocal(group, at + res.msBeforeNext, at)
      }
    })
    await Promise.all(blocks)
    return totals.some((res) => res !== null)
  }

  /** Keeps the shared counts bounded (see shared-caps.ts); a failure here loses no count. */
  private async capShared(
    batch: ReadonlyArray<[string, number]>,
    totals: ReadonlyArray<RateLimiterRes | null>,
  ): Promise<void> {
    if (!this.redis) return
    const counted: Array<[string, number]> = []
    batch.forEach(([group], i) => {
      const res = totals[i]
      if (res) counted.push([group, res.consumedPoints])
    })
    const { client, prefix } = this.redis
    try {
      await withTimeout(
        indexCounted(client, prefix, counted, this.failures, this.windowMs),
        this.timeoutMs,
        'IP failure index',
      )
    } catch {
      // Redis down or slow: the index catches up with the next flush.
    }
  }

  /** The IP groups blocked now, across processes with RedisStore. */
  async list(): Promise<IpBlock[]> {
    const now = Date.now()
    let entries: Array<[string, number]>
    if (this.blocksKey && this.redis) {
      entries = await sharedBlocks(this.redis.client, this.blocksKey, now)
    } else {
      entries = [...this.memoryBlocks].filter(([, until]) => until > now)
    }
    return entries
      .sort((a, b) => a[1] - b[1])
      .map(([ip, until]) => ({ ip, blocked_until: new Date(until).toISOString() }))
  }

  /**
   * Lifts a block and forgets the group's failures: in memory (counted or waiting for a flush)
   * and in Redis. Returns false if it was not blocked.
   */
  async unblock(group: string): Promise<boolean> {
    const wasLocal = this.blockedMs(group) > 0
    this.forgetLocally(group)
    // A flush or block write in flight lands first, then is undone here.
    await this.flushing
    await Promise.all(this.writes)
    this.forgetLocally(group)
    const wasListed = (await this.list()).some((b) => b.ip === group)
    if (this.limiter) await this.limiter.delete(group)
    this.memoryBlocks.delete(group)
    if (this.blocksKey && this.redis) await this.redis.client.zrem(this.blocksKey, group)
    return wasLocal || wasListed
  }

  private forgetLocally(group: string): void {
    this.counts.forget(group)
    this.local.delete(group)
  }
}
