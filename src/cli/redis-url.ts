// The database index of a Redis URL, checked: ioredis would use database 0 for a bad or missing one.

import type { Redis } from 'ioredis'
import { CliError, EXIT } from './cli-error'

/** Where ioredis reads the index: the path of a redis:// URL, else `?db=` (also on a socket path). */
function rawDatabase(url: string): string | null {
  const hasProtocol = /^rediss?:\/\//i.test(url) || url.startsWith('//')
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : null
  if (hasProtocol) {
    let path = ''
    try {
      path = new URL(url.startsWith('//') ? `redis:${url}` : url).pathname
    } catch {
      return null // not a URL at all: ioredis's own error says so
    }
    if (path.length > 1) return decodeURIComponent(path.slice(1))
  }
  return query?.get('db') ?? null
}

/** The database index the URL names (0 when none), or a usage error for one that is not a number. */
export function databaseOf(url: string): number {
  const raw = rawDatabase(url)
  if (raw === null) return 0
  if (!/^\d{1,9}$/.test(raw)) {
    throw new CliError(
      `invalid --redis-url: the database index "${raw}" must be a whole number, e.g. redis://127.0.0.1:6379/0`,
      EXIT.usage,
    )
  }
  return Number(raw)
}

/** SELECTs the database again and waits for the answer: a server without it is a usage error. */
export async function selectDatabase(client: Redis, db: number): Promise<void> {
  try {
    await client.select(db)
  } catch (error) {
    client.disconnect()
    throw new CliError(
      `invalid --redis-url: Redis has no database ${db} (${(error as Error).message})`,
      EXIT.usage,
    )
  }
}
