// Many keys at once on Redis: records, limits and versions read in one pipeline.

import type { Cluster, Redis } from 'ioredis'
import { TAG_LENGTH } from '../../token'
import type { ApiKey } from '../../types'
import { expandHot } from '../hot-fields'
import { limitsFromHot } from '../stored-key'
import type { KeyRecord } from '../types'
import type { RedisKeyNames } from './key-names'

/** The hot-hash fields read per key: state (last use), versions, effective limits (see hot-fields.ts). */
const FIELDS = [
  'st',
  'lu',
  'v',
  'pv',
  'ps',
  'pb',
  'pm',
  'qt',
  'qd',
  'qw',
  'qm',
  'qy',
  'qc',
  'us',
] as const

const tagOf = (id: string): string => id.slice(0, TAG_LENGTH)

/**
 * Records and the hot fields `lu`, versions and limits of many keys. A standalone client sends one
 * MULTI (MGET of the records, HMGET per key); a Cluster client one MULTI per key, routed to its slot.
 */
export async function loadKeyRecords(
  client: Redis | Cluster,
  names: RedisKeyNames,
  ids: readonly string[],
): Promise<Array<KeyRecord | null>> {
  if (ids.length === 0) return []
  // Each key's record and version are read in one transaction: apart, they could straddle a write.
  let replies: Array<[string | null, Array<string | null>]>
  if (client.isCluster) {
    replies = await Promise.all(
      ids.map(async (id) => {
        const tx = client.multi().get(names.record(tagOf(id), id))
        tx.hmget(names.hot(tagOf(id), id), ...FIELDS)
        const [record, values] = execResults(await tx.exec())
        return [record as string | null, values as Array<string | null>]
      }),
    )
  } else {
    const tx = client.multi()
    tx.mget(ids.map((id) => names.record(tagOf(id), id)))
    for (const id of ids) tx.hmget(names.hot(tagOf(id), id), ...FIELDS)
    const raw = execResults(await tx.exec())
    const records = (raw[0] ?? []) as Array<string | null>
    replies = ids.map((_, i) => [records[i] ?? null, raw[i + 1] as Array<string | null>])
  }
  return replies.map(([record, values]) => {
    if (!record) return null
    const raw: Record<string, string> = {}
    FIELDS.forEach((field, i) => {
      const value = values[i]
      if (value !== null && value !== undefined) raw[field] = value
    })
    const hot = expandHot(raw)
    const key: ApiKey = {
      ...(JSON.parse(record) as Omit<ApiKey, 'last_used_at'>),
      last_used_at: hot.lu === undefined ? null : new Date(Number(hot.lu)).toISOString(),
    }
    return {
      key,
      limits: limitsFromHot(hot),
      version: Number(hot.v ?? 0),
      planVersion: Number(hot.pv ?? 0),
    }
  })
}

/** The replies of a MULTI, or its first error. */
export function execResults(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (replies === null) throw new Error('Redis aborted the transaction')
  return replies.map(([error, value]) => {
    if (error) throw error
    return value
  })
}
