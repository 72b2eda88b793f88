// Reads every key under a prefix, whatever its type, for tests that inspect what Redis holds.

import type { Redis } from 'ioredis'

export interface DumpedKey {
  key: string
  type: string
  /** PTTL in ms: -1 = no TTL. */
  pttl: number
  /** Every name and value the key holds, flattened to strings. */
  values: string[]
}

export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys.sort()
}

async function read(client: Redis, key: string, type: string): Promise<string[]> {
  switch (type) {
    case 'string':
      return [(await client.get(key)) ?? '']
    case 'hash':
      return Object.entries(await client.hgetall(key)).flat()
    case 'set':
      return client.smembers(key)
    case 'zset':
      return client.zrange(key, '0', '-1', 'WITHSCORES')
    case 'list':
      return client.lrange(key, 0, -1)
    case 'stream':
      return (await client.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields])
    default:
      throw new Error(`key ${key} has a type this test does not know how to read: ${type}`)
  }
}

export async function dumpPrefix(client: Redis, prefix: string): Promise<DumpedKey[]> {
  const out: DumpedKey[] = []
  for (const key of await scanKeys(client, prefix)) {
    const type = await client.type(key)
    out.push({ key, type, pttl: await client.pttl(key), values: await read(client, key, type) })
  }
  return out
}
