// RedisStore: the production store. One EVALSHA per verification; cluster-safe key names.

import { type Cluster, Redis } from 'ioredis'
import { TAG_LENGTH } from '../../token'
import type { Plan, RequestLogEntry, RequestPage } from '../../types'
import { type AuditLogCaps, resolveAuditLogCaps } from '../audit-caps'
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from '../audit-records'
import { markSelfBounded } from '../bounded-verify'
import { runCloseHooks } from '../close-hooks'
import { type RequestLogCaps, resolveRequestLogCaps } from '../request-log-caps'
import { loadedKey } from '../stored-key'
import {
  type DeleteOutcome,
  EXPIRED_TOKEN_KEPT_MS,
  type KeyRecord,
  type KeyWrite,
  type LoadedKey,
  type SharedRedis,
  type Store,
  type VerifyRequest,
  type VersionedPlan,
  type WriteOutcome,
} from '../types'
import { decodeVerdict, type RawVerdict, type Verdict } from '../verdict'
import { unavailable, withTimeout } from '../with-timeout'
import * as keyBatch from './key-batch'
import { type RedisKeyNames, redisKeyNames } from './key-names'
import { luaScript } from './lua'
import { RecordCache } from './record-cache'
import { RedisAuditLog } from './redis-audit-log'
import { RedisRequestLog } from './redis-request-log'
import * as writes from './writes'

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

type VerifyCommand = (
  hot: string,
  record: string,
  userRate: string,
  ring: string,
  clientTokens: string,
  hash: string,
  now: string,
  cost: number,
  scopes: string,
  tokenType: string,
  recordVersion: string,
) => Promise<RawVerdict>

export const VERIFY_LUA = luaScript('verify.lua')

export class RedisStore implements Store {
  readonly client: Redis | Cluster
  readonly prefix: string
  readonly names: RedisKeyNames
  private readonly timeout: number
  /** ioredis' own commandTimeout on the client, which bounds each command; Infinity if none. */
  private readonly clientTimeout: number
  private readonly clock: (() => number) | undefined
  private readonly ownsClient: boolean
  private readonly requestLog: RedisRequestLog
  private readonly auditLog: RedisAuditLog
  private readonly records = new RecordCache()

  constructor(options: RedisStoreOptions = {}) {
    // Validated before a client exists: a bad option must not leave a connection open.
    const logCaps = resolveRequestLogCaps('RedisStore', options.requestLog)
    const auditCaps = resolveAuditLogCaps('RedisStore', options.auditLog)
    this.prefix = options.prefix ?? 'kg:'
    this.names = redisKeyNames(this.prefix)
    this.timeout = options.commandTimeout ?? 500
    this.clock = options.clock
    this.ownsClient = options.client === undefined
    this.client =
      options.client ??
      new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
        commandTimeout: this.timeout,
        maxRetriesPerRequest: 1,
        enableAutoPipelining: options.autoPipelining ?? false,
      })
    this.clientTimeout = commandTimeoutOf(this.client)
    // An unhandled 'error' event would crash the process; failures surface per call instead.
    if (this.ownsClient) this.client.on('error', () => {})
    this.client.defineCommand('keyguardVerify', { numberOfKeys: 5, lua: VERIFY_LUA })
    writes.defineWriteCommands(this.client)
    this.requestLog = new RedisRequestLog(
      {
        client: this.client,
        names: this.names,
        timeout: this.timeout,
        now: () => this.now(),
        clock: this.clock,
      },
      logCaps,
    )
    this.auditLog = new RedisAuditLog(
      { client: this.client, key: this.names.audit, timeout: this.timeout },
      auditCaps,
    )
  }

  private call<T>(promise: Promise<T>, what: string): Promise<T> {
    return withTimeout(promise, this.timeout, `Redis ${what}`)
  }

  async verify(request: VerifyRequest, timeoutMs = this.timeout): Promise<Verdict> {
    const { tag, id } = request
    const verify = (this.client as unknown as { keyguardVerify: VerifyCommand }).keyguardVerify
    const cached = this.records.get(id)
    const pending = verify.call(
      this.client,
      this.names.hot(tag, id),
      this.names.record(tag, id),
      this.names.userRate(tag),
      this.names.ring(tag, id),
      this.names.clientTokens(tag, id),
      request.hash,
      this.clock ? String(Math.floor(this.clock() * 1000)) : '',
      request.cost,
      request.scopes.join(','),
      request.type === 'ct' ? 'ct' : '',
      cached?.version ?? '',
    )
    let raw: RawVerdict
    try {
      // One timer per verification: ioredis' commandTimeout when it is no longer, else our own.
      raw = await (this.clientTimeout <= timeoutMs
        ? pending
        : withTimeout(pending, timeoutMs, 'Redis verify'))
    } catch (error) {
      throw unavailable(error, 'Redis verify')
    }
    const verdict = decodeVerdict(raw)
    if (verdict.outcome === 'ok') {
      if (verdict.record !== null) this.records.set(id, verdict.recordVersion, verdict.record)
      else if (cached && verdict.recordVersion === cached.version) verdict.record = cached.json
    }
    return verdict
  }

  async now(): Promise<number> {
    if (this.clock) return this.clock()
    const [seconds, micros] = await this.call(this.client.time(), 'TIME')
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  }

  async writeKey(write: KeyWrite): Promise<WriteOutcome> {
    return this.call(writes.writeKey(this.client, this.names, write), 'write key')
  }

  async loadKey(id: string): Promise<LoadedKey | null> {
    const tag = id.slice(0, TAG_LENGTH)
    // One transaction: a record and a version read apart could straddle a write.
    const replies = await this.call(
      this.client
        .multi()
        .get(this.names.record(tag, id))
        .hgetall(this.names.hot(tag, id))
        .hgetall(this.names.ring(tag, id))
        .exec(),
      'load key',
    )
    const [record, hot, ring] = keyBatch.execResults(replies) as [
      string | null,
      Record<string, string>,
      Record<string, string>,
    ]
    return record ? loadedKey(record, hot, ring) : null
  }

  async deleteKey(id: string, expect?: number): Promise<DeleteOutcome> {
    return this.call(writes.deleteKey(this.client, this.names, id, expect), 'delete key')
  }

  async indexKey(id: string, planId: string | null, previousPlanId: string | null): Promise<void> {
    const index: Promise<unknown>[] = [this.client.sadd(this.names.keys, id)]
    if (previousPlanId !== null && previousPlanId !== planId) {
      index.push(this.client.srem(this.names.planKeys(previousPlanId), id))
    }
    if (planId !== null) index.push(this.client.sadd(this.names.planKeys(planId), id))
    await this.call(Promise.all(index), 'index update')
  }

  async unindexKey(id: string, planId: string | null): Promise<void> {
    const index: Promise<unknown>[] = [this.client.srem(this.names.keys, id)]
    if (planId !== null) index.push(this.client.srem(this.names.planKeys(planId), id))
    await this.call(Promise.all(index), 'index update')
  }

  async listKeyIds(): Promise<string[]> {
    return (await this.call(this.client.smembers(this.names.keys), 'SMEMBERS')).sort()
  }

  async keyIdsOfPlan(planId: string): Promise<string[]> {
    return (await this.call(this.client.smembers(this.names.planKeys(planId)), 'SMEMBERS')).sort()
  }

  async writePlan(id: string, plan: Plan | null, expect: number | 'new'): Promise<WriteOutcome> {
    return this.call(writes.writePlan(this.client, this.names, id, plan, expect), 'write plan')
  }

  async loadPlan(id: string): Promise<VersionedPlan | null> {
    const json = await this.call(this.client.hget(this.names.plans, id), 'HGET')
    return json ? writes.parsePlan(json) : null
  }

  async listPlans(): Promise<Plan[]> {
    const all = await this.call(this.client.hgetall(this.names.plans), 'HGETALL')
    return Object.values(all)
      .map((json) => writes.parsePlan(json).plan)
      .sort((a, b) => a.id.localeCompare(b.id))
  }

  async appendRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    await this.requestLog.append(entries)
  }

  async requests(id: string, page: { page: number; limit: number }): Promise<RequestPage> {
    return this.requestLog.read(id, page)
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    return this.auditLog.append(entry)
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    return this.auditLog.read(query)
  }

  async loadKeyRecords(ids: readonly string[]): Promise<Array<KeyRecord | null>> {
    return this.call(keyBatch.loadKeyRecords(this.client, this.names, ids), 'load keys')
  }

  async saveClientToken(
    keyId: string,
    keyVersion: number,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<'ok' | 'stale'> {
    const token = { keyId, keyVersion, hash, value: `${expiresMs}|${scopes.join(',')}` }
    const now = await this.now()
    return this.call(
      writes.saveClientToken(this.client, this.names, token, now, EXPIRED_TOKEN_KEPT_MS),
      'save client token',
    )
  }

  sharedRedis(): SharedRedis {
    return { client: this.client, prefix: this.prefix }
  }

  async close(): Promise<void> {
    await runCloseHooks(this)
    if (this.ownsClient) this.client.disconnect()
  }
}

markSelfBounded(RedisStore.prototype.verify)

/**
 * The bound ioredis puts on each command of a client, from the moment it is sent. A Cluster, and
 * auto-pipelining, hold commands in queues of their own before that (with no timer): Infinity.
 */
function commandTimeoutOf(client: Redis | Cluster): number {
  if (client.isCluster) return Number.POSITIVE_INFINITY
  const { commandTimeout, enableAutoPipelining } = (client as Redis).options
  if (enableAutoPipelining || typeof commandTimeout !== 'number' || !(commandTimeout > 0)) {
    return Number.POSITIVE_INFINITY
  }
  return commandTimeout
}
