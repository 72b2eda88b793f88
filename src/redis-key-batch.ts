// Many keys at once on Redis: records and limits read in one pipeline, limits rewritten in one MULTI.

import type { Cluster, Redis } from 'ioredis'
import { hotConfig } from './hot-fields'
import type { RedisKeyNames } from './redis-keys'
import type { KeyRecord, LimitsWrite } from './store'
import { limitsFromHot } from './stored-key'
import { TAG_LENGTH } from './token'
import type { ApiKey } from './types'

/** The hot-hash fields that hold a key's effective limits (see hot-fields.ts). */
const LIMIT_FIELDS = ['ps', 'pb', 'pm', 'qt', 'qd', 'qw', 'qm', 'qc', 'us'] as const

const tagOf = (id: string): string => id.slice(0, TAG_LENGTH)

/**
 * Records and the hot fields `lu` + limits of many keys. A standalone client sends one pipeline
 * (MGET of the records, HMGET per key); a Cluster client sends GET + HMGET per key, each routed
 * to its slot by ioredis.
 */
export async function loadKeyRecords(
  client: Redis | Cluster,
  names: RedisKeyNames,
  ids: readonly string[],
): Promise<Array<KeyRecord | null>> {
  if (ids.length === 0) return []
  let replies: Array<[string | null, Array<string | null>]>
  if (client.isCluster) {
    replies = await Promise.all(
      ids.map((id) =>
        Promise.all([
          client.get(names.record(tagOf(id), id)),
          client.hmget(names.hot(tagOf(id), id), 'lu', ...LIMIT_FIELDS),
        ]),
      ),
    )
  } else {
    const pipeline = client.pipeline()
    pipeline.mget(ids.map((id) => names.record(tagOf(id), id)))
    for (const id of ids) pipeline.hmget(names.hot(tagOf(id), id), 'lu', ...LIMIT_FIELDS)
    const raw = (await pipeline.exec()) ?? []
    for (const [error] of raw) if (error) throw error
    const records = (raw[0]?.[1] ?? []) as Array<string | null>
    replies = ids.map((_, i) => [records[i] ?? null, raw[i + 1]?.[1] as Array<string | null>])
  }
  return replies.map(([record, values]) => {
    if (!record) return null
    const hot: Record<string, string> = {}
    ;['lu', ...LIMIT_FIELDS].forEach((field, i) => {
      const value = values[i]
      if (value !== null && value !== undefined) hot[field] = value
    })
    const key: ApiKey = {
      ...(JSON.parse(record) as Omit<ApiKey, 'last_used_at'>),
      last_used_at: hot.lu === undefined ? null : new Date(Number(hot.lu)).toISOString(),
    }
    return { key, limits: limitsFromHot(hot) }
  })
}

/** Sets or deletes only the limit fields of each key's hot hash: one MULTI, or one per key on a Cluster. */
export async function saveKeyLimits(
  client: Redis | Cluster,
  names: RedisKeyNames,
  writes: readonly LimitsWrite[],
): Promise<void> {
  if (writes.length === 0) return
  const queue = (tx: ReturnType<Redis['multi']>, write: LimitsWrite): void => {
    const config = hotConfig({
      key: write.key,
      limits: write.limits,
      secretHash: '',
      previous: null,
    })
    const hot = names.hot(tagOf(write.key.id), write.key.id)
    const set: string[] = []
    const del: string[] = []
    for (const field of LIMIT_FIELDS) {
      const value = config[field]
      if (value === null || value === undefined) del.push(field)
      else set.push(field, value)
    }
    if (set.length > 0) tx.hset(hot, ...set)
    if (del.length > 0) tx.hdel(hot, ...del)
  }
  const run = async (tx: ReturnType<Redis['multi']>): Promise<void> => {
    const replies = (await tx.exec()) ?? []
    for (const [error] of replies) if (error) throw error
  }
  if (client.isCluster) {
    await Promise.all(
      writes.map((write) => {
        const tx = client.multi()
        queue(tx, write)
        return run(tx)
      }),
    )
    return
  }
  const tx = client.multi()
  for (const write of writes) queue(tx, write)
  await run(tx)
}
