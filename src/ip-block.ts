// Blocks client IPs (IPv6 by /64) after too many failed authentications, with rate-limiter-flexible.

import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import { KeyguardConfigError } from './errors'
import { RedisStore } from './redis-store'
import type { Store } from './store'
import { withTimeout } from './with-timeout'

export interface IpBlockOptions {
  /** Failed authentications from one IP (or IPv6 /64) that trigger a block. Defaults to 20. */
  failures?: number
  /** Window the failures are counted in, in seconds. Defaults to 600. */
  window?: number
  /** Block duration, in seconds. Defaults to 900. */
  block?: number
  /** How long a process trusts its in-memory copy of a block before re-reading it, in seconds. Defaults to 5. */
  recheck?: number
}

export interface IpBlock {
  ip: string
  blocked_until: string
}

interface LocalBlock {
  until: number
  checkedAt: number
}

const REGISTRY = new WeakMap<Store, IpBlocker>()

/**
 * The blocker of a store: guards and the admin API on one store share it. Options named by any
 * guard apply whatever the order the guards (and adminRouter) were created in; two guards naming
 * different ones is a configuration error, as they share one count per IP.
 */
export function ipBlockerFor(store: Store, options: IpBlockOptions = {}): IpBlocker {
  const blocker = REGISTRY.get(store)
  if (!blocker) {
    const created = new IpBlocker(store, options)
    REGISTRY.set(store, created)
    return created
  }
  blocker.adopt(options)
  return blocker
}

type Settings = Required<IpBlockOptions>

const settingsOf = (o: IpBlockOptions): Settings => ({
  failures: o.failures ?? 20,
  window: o.window ?? 600,
  block: o.block ?? 900,
  recheck: o.recheck ?? 5,
})

const named = (o: IpBlockOptions): boolean => Object.values(o).some((value) => value !== undefined)

export class IpBlocker {
  failures = 20
  blockSeconds = 900
  private limiter!: RateLimiterAbstract
  private readonly local = new Map<string, LocalBlock>()
  /** MemoryStore's list of blocks (RedisStore keeps it in a sorted set). */
  private readonly memoryBlocks = new Map<string, number>()
  private recheckMs = 5000
  private readonly redis: RedisStore | null
  private settings: Settings = settingsOf({})
  /** True once options were named (not only defaults). */
  private explicit = false

  constructor(store: Store, options: IpBlockOptions = {}) {
    this.redis = store instanceof RedisStore ? store : null
    this.configure(options)
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
    this.recheckMs = this.settings.recheck * 1000
    const limits = {
      points: this.failures,
      duration: this.settings.window,
      blockDuration: this.blockSeconds,
    }
    this.limiter = this.redis
      ? new RateLimiterRedis({
          ...limits,
          storeClient: this.redis.client,
          keyPrefix: `${this.redis.prefix}ip-fail`,
        })
      : new RateLimiterMemory({ ...limits, keyPrefix: 'ip-fail' })
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
    try {
      const res = await withTimeout(this.limiter.get(group), timeoutMs, 'IP block lookup')
      if (res && res.consumedPoints >= this.failures && res.msBeforeNext > 0) {
        this.local.set(group, { until: now + res.msBeforeNext, checkedAt: now })
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

  /** Counts one failed authentication; returns the ms the group is now blocked for (0 if not). */
  async fail(group: string, timeoutMs: number): Promise<number> {
    const now = Date.now()
    let res: RateLimiterRes
    try {
      // Past the threshold consume() rejects with the count: take it before withTimeout wraps it.
      const counted = this.limiter
        .consume(group)
        .catch((error: unknown) =>
          error instanceof RateLimiterRes ? error : Promise.reject(error),
        )
      res = await withTimeout(counted, timeoutMs, 'IP failure count')
    } catch {
      return 0
    }
    if (res.consumedPoints < this.failures) return 0
    let ms = res.msBeforeNext
    if (res.consumedPoints === this.failures) {
      // This failure reached the threshold: block now, so the next request is refused.
      await this.limiter.block(group, this.blockSeconds).catch(() => undefined)
      ms = this.blockSeconds * 1000
      await this.record(group, now + ms)
    }
    // Blocks that ended are forgotten here, so memory stays bounded however many IPs attack.
    for (const [other, block] of this.local) if (block.until <= now) this.local.delete(other)
    this.local.set(group, { until: now + ms, checkedAt: now })
    return ms
  }

  private async record(group: string, until: number): Promise<void> {
    if (this.blocksKey && this.redis) {
      const client = this.redis.client
      await client
        .multi()
        .zremrangebyscore(this.blocksKey, '-inf', Date.now())
        .zadd(this.blocksKey, until, group)
        .pexpire(this.blocksKey, this.blockSeconds * 1000)
        .exec()
        .catch(() => undefined)
    } else {
      for (const [other, end] of this.memoryBlocks)
        if (end <= Date.now()) this.memoryBlocks.delete(other)
      this.memoryBlocks.set(group, until)
    }
  }

  /** The IP groups blocked now, across processes with RedisStore. */
  async list(): Promise<IpBlock[]> {
    const now = Date.now()
    let entries: Array<[string, number]>
    if (this.blocksKey && this.redis) {
      const flat = await this.redis.client.zrangebyscore(this.blocksKey, now, '+inf', 'WITHSCORES')
      entries = []
      for (let i = 0; i + 1 < flat.length; i += 2)
        entries.push([flat[i] as string, Number(flat[i + 1])])
    } else {
      entries = [...this.memoryBlocks].filter(([, until]) => until > now)
    }
    return entries
      .sort((a, b) => a[1] - b[1])
      .map(([ip, until]) => ({ ip, blocked_until: new Date(until).toISOString() }))
  }

  /** Lifts a block and forgets the group's failures. Returns false if it was not blocked. */
  async unblock(group: string): Promise<boolean> {
    const wasListed = (await this.list()).some((b) => b.ip === group) || this.blockedMs(group) > 0
    await this.limiter.delete(group)
    this.local.delete(group)
    this.memoryBlocks.delete(group)
    if (this.blocksKey && this.redis) await this.redis.client.zrem(this.blocksKey, group)
    return wasListed
  }
}
