// The blocks every process sees on RedisStore: one sorted set, `{prefix}ip-blocks`, scored by when each ends.

import type { Cluster, Redis } from 'ioredis'
import { capBlocks } from './shared-caps'

/**
 * Records a block; ended blocks leave the set, the set lives as long as its newest block, and it
 * holds MAX_SHARED_BLOCKS at most (see shared-caps.ts).
 */
export async function addSharedBlock(
  client: Redis | Cluster,
  prefix: string,
  key: string,
  group: string,
  until: number,
  seconds: number,
): Promise<void> {
  const replies = await client
    .multi()
    .zremrangebyscore(key, '-inf', Date.now())
    .zadd(key, until, group)
    .pexpire(key, seconds * 1000)
    .zcard(key)
    .exec()
  await capBlocks(client, prefix, key, Number(replies?.[3]?.[1] ?? 0))
}

/** The groups blocked at `now`, with when each block ends (ms). */
export async function sharedBlocks(
  client: Redis | Cluster,
  key: string,
  now: number,
): Promise<Array<[string, number]>> {
  const flat = await client.zrangebyscore(key, now, '+inf', 'WITHSCORES')
  const entries: Array<[string, number]> = []
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push([flat[i] as string, Number(flat[i + 1])])
  return entries
}
