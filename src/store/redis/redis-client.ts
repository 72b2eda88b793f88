// The ioredis client a RedisStore creates for itself, and the bound ioredis puts on its commands.

import { type Cluster, Redis } from 'ioredis'
import type { Logger } from '../../telemetry'
import type { AuditLogCaps } from '../audit-caps'
import type { RequestLogCaps } from '../request-log-caps'
import type { DataLossEvent } from './sentinels'

export interface RedisStoreOptions {
  /** Redis URL. Defaults to `REDIS_URL`, else `redis://127.0.0.1:6379`. Ignored with `client`. */
  url?: string
  /** An ioredis client or Cluster of your own. keyguard never closes a client it did not create. */
  client?: Redis | Cluster
  /** Prefix of every Redis key. Defaults to `kg:`. */
  prefix?: string
  /**
   * Upper bound on every store call, in ms, counted from the call (time in ioredis' queues during a
   * reconnect or failover included): one shared deadline sweep enforces it. Defaults to 500.
   */
  commandTimeout?: number
  /** ioredis auto-pipelining for a client keyguard creates. Defaults to false. */
  autoPipelining?: boolean
  /** Test clock in ms since the epoch; by default the time comes from Redis `TIME`. */
  clock?: () => number
  /** Logged requests kept per key (a Redis Stream): by count and by age. Defaults to 1000 and 30 days. */
  requestLog?: RequestLogCaps
  /** Audit records kept (one capped Redis Stream, `{prefix}audit`). Defaults to 10000. */
  auditLog?: AuditLogCaps
  /**
   * Called when Redis is found to have lost keyguard's data (a slot without its sentinel), and when
   * it has it again: for an alert of your own. Defaults to none (the `logger` line and the
   * `keyguard_store_data_loss_total` metric report it too).
   */
  onDataLoss?: (event: DataLossEvent) => void
  /**
   * A pino-compatible logger: one `error` line when Redis is found to have lost keyguard's data,
   * one `warn` line when it has it again. Defaults to none: nothing is written to the console.
   */
  logger?: Logger
}

/**
 * A client for the store's own use: one retry per command. No ioredis commandTimeout (a timer per
 * command): the store's deadline sweep bounds each call from the moment it is made.
 */
export function connect(options: RedisStoreOptions): Redis {
  const client = new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    enableAutoPipelining: options.autoPipelining ?? false,
  })
  // An unhandled 'error' event would crash the process; failures surface per call instead.
  client.on('error', () => {})
  return client
}
