// Per-test-file Redis access: the run's server, a unique key prefix, and cleanup of that prefix only.

import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

export function testRedisUrl(): string {
  const url = process.env.KEYGUARD_TEST_REDIS_URL
  if (!url) throw new Error('KEYGUARD_TEST_REDIS_URL is not set: run the tests with `npm test`')
  return url
}

export const uniquePrefix = (): string => `kgtest:${randomBytes(4).toString('hex')}:`

/** Deletes every key under `prefix` (and nothing else). */
export async function cleanPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await client.del(...keys)
  } while (cursor !== '0')
}

export const newClient = (url = testRedisUrl()): Redis =>
  new Redis(url, { maxRetriesPerRequest: 1 })

/** Deletes every key under `prefix` (and nothing else), on a connection of its own. */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = newClient()
  await cleanPrefix(client, prefix)
  client.disconnect()
}
