// Bounds the shared failure counts on Redis however many IPs fail: the least suspicious are evicted past a cap.

import type { Cluster, Redis } from 'ioredis'

/** IP groups with a shared failure count per window; past it, those with the fewest failures are evicted. */
export const MAX_SHARED_GROUPS = 5_000
/** Blocks listed in `{prefix}ip-blocks`; past it, those that end soonest are dropped. */
export const MAX_SHARED_BLOCKS = 5_000
/** A trim goes down to 90% of a cap, so that it runs once per 10% of growth, not at every flush. */
const TRIM_TO = 0.9

/** rate-limiter-flexible's key of a group's shared count (and of its block). */
export const failKey = (prefix: string, group: string): string => `${prefix}ip-fail:${group}`

/** The index of the groups counted in the current window, scored by their failures. */
export const trackedKey = (prefix: string, windowMs: number, now: number): string =>
  `${prefix}ip-fail-tracked:${Math.floor(now / windowMs)}`

/**
 * Keeps the `keep` highest-scored members of a sorted set, atomically (so that trims running at
 * once in several processes drop nothing twice); returns those it dropped.
 */
async function trimLowest(client: Redis | Cluster, key: string, keep: number): Promise<string[]> {
  const replies = await client
    .multi()
    .zrange(key, '0', String(-(keep + 1)))
    .zremrangebyrank(key, 0, -(keep + 1))
    .exec()
  return (replies?.[0]?.[1] as string[] | undefined) ?? []
}

async function unlinkAll(client: Redis | Cluster, keys: string[]): Promise<void> {
  if (keys.length === 0) return
  // A Cluster spreads the groups' keys over slots: one UNLINK each.
  if (client.isCluster) await Promise.all(keys.map((key) => client.unlink(key)))
  else await client.unlink(...keys)
}

/**
 * Indexes the groups a flush counted (group, failures in its window) and, past
 * MAX_SHARED_GROUPS, evicts those with the fewest failures: their shared counts are deleted
 * (each process still counts them in memory). Groups at the threshold are not indexed: they are
 * blocked, and the blocks have their own cap. Returns how many groups it evicted.
 */
export async function indexCounted(
  client: Redis | Cluster,
  prefix: string,
  counted: ReadonlyArray<[group: string, failures: number]>,
  threshold: number,
  windowMs: number,
): Promise<number> {
  if (counted.length === 0) return 0
  const key = trackedKey(prefix, windowMs, Date.now())
  const scored: Array<string | number> = []
  const blocked: string[] = []
  for (const [group, failures] of counted) {
    if (failures < threshold) scored.push(failures, group)
    else blocked.push(group)
  }
  const tx = client.multi()
  if (scored.length > 0) tx.zadd(key, ...scored)
  if (blocked.length > 0) tx.zrem(key, ...blocked)
  // The index of a window outlives it by one window: the counts it lists live that long at most.
  const replies = await tx
    .pexpire(key, 2 * windowMs)
    .zcard(key)
    .exec()
  const size = Number(replies?.[replies.length - 1]?.[1] ?? 0)
  if (size <= MAX_SHARED_GROUPS) return 0
  const evicted = await trimLowest(client, key, Math.floor(MAX_SHARED_GROUPS * TRIM_TO))
  await unlinkAll(
    client,
    evicted.map((group) => failKey(prefix, group)),
  )
  return evicted.length
}

/** Drops a blocked group from the failure index: its count now holds its block, never evicted. */
export async function unindexBlocked(
  client: Redis | Cluster,
  prefix: string,
  group: string,
  windowMs: number,
): Promise<void> {
  const now = Date.now()
  await Promise.all([
    client.zrem(trackedKey(prefix, windowMs, now), group),
    client.zrem(trackedKey(prefix, windowMs, now - windowMs), group),
  ])
}

/** Past MAX_SHARED_BLOCKS blocks, drops those that end soonest, with their counts. */
export async function capBlocks(
  client: Redis | Cluster,
  prefix: string,
  blocksKey: string,
  size: number,
): Promise<void> {
  if (size <= MAX_SHARED_BLOCKS) return
  const dropped = await trimLowest(client, blocksKey, Math.floor(MAX_SHARED_BLOCKS * TRIM_TO))
  await unlinkAll(
    client,
    dropped.map((group) => failKey(prefix, group)),
  )
}
