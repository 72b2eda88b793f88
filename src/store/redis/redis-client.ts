// The ioredis client a RedisStore creates for itself, and the bound ioredis puts on its commands.

import { type Cluster, Redis } from 'ioredis'
import type { AuditLogCaps } from '../audit-caps'
import type { RequestLogCaps } from '../request-log-caps'

export interface RedisStoreOptions {
  /** Redis URL. Defaults to `REDIS_URL`, else `redis://127.0.0.1:6379`. Ignored with `client`. */
  url?: string
  /** An ioredis client or Cluster of your own. keyguard never closes a client it did not create. */
  client?: Redis | Cluster
  /** Prefix of every Redis key. Defaults to `kg:`. */
  prefix?: string
  /** Upper bound on every store call, in ms. Defaults to 500. */
  commandTimeout?: number
  /** ioredis auto-pipelining for a client keyguard creates. Defaults to false. */
  autoPipelining?: boolean
  /** Test clock in ms since the epoch; by default the time comes from Redis `TIME`. */
  clock?: () => number
  /** Logged requests kept per key (a Redis Stream): by count and by age. Defaults to 1000 and 30 days. */
  requestLog?: RequestLogCaps
  /** Audit records kept (one capped Redis Stream, `{prefix}audit`). Defaults to 10000. */
  auditLog?: AuditLogCaps
}

/** A client for the store's own use: one retry per command, bounded by the store's timeout. */
export function connect(options: RedisStoreOptions, timeout: number): Redis {
  const client = new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    commandTimeout: timeout,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: options.autoPipelining ?? false,
  })
  // An unhandled 'error' event would crash the process; failures surface per call instead.
  client.on('error', () => {})
  return client
}

/**
 * The bound ioredis puts on each command of a client, from the moment it is sent. A Cluster, and
 * auto-pipelining, hold commands in queues of their own before that (with no timer): Infinity.
 */
export function commandTimeoutOf(client: Redis | Cluster): number {
  if (client.isCluster) return Number.POSITIVE_INFINITY
  const { commandTimeout, enableAutoPipelining } = (client as Redis).options
  if (enableAutoPipelining || typeof commandTimeout !== 'number' || !(commandTimeout > 0)) {
    return Number.POSITIVE_INFINITY
  }
  return commandTimeout
}
