// RedisStore: the production store. One EVALSHA per verification; cluster-safe key names.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Cluster, Redis } from 'ioredis'
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from './audit'
import { type AuditLogCaps, resolveAuditLogCaps } from './audit-caps'
import { markSelfBounded } from './bounded-verify'
import { EXPIRED_TOKEN_KEPT_MS } from './client-tokens'
import { hotConfig, recordVersion, WINDOW_FIELDS } from './hot-fields'
import { RecordCache } from './record-cache'
import { RedisAuditLog } from './redis-audit'
import * as keyBatch from './redis-key-batch'
import { type RedisKeyNames, redisKeyNames } from './redis-keys'
import { RedisRequestLog } from './redis-request-log'
import { flushRequestLogs } from './request-log'
import { type RequestLogCaps, resolveRequestLogCaps } from './request-log-caps'
import type {
  KeyRecord,
  LimitsWrite,
  LoadedKey,
  SaveKeyOptions,
  Store,
  StoredKey,
  VerifyRequest,
} from './store'
import { loadedKey } from './stored-key'
import { TAG_LENGTH } from './token'
import type { Plan, RequestLogEntry, RequestPage } from './types'
import { decodeVerdict, type RawVerdict, type Verdict } from './verdict'
import { unavailable, withTimeout } from './with-timeout'

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

export const VERIFY_LUA = readFileSync(join(__dirname, '..', 'lua', 'verify.lua'), 'utf8')

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

  async saveKey(stored: StoredKey, options: SaveKeyOptions = {}): Promise<void> {
    const { id } = stored.key
    const tag = id.slice(0, TAG_LENGTH)
    const hot = this.names.hot(tag, id)
    const recordKey = this.names.record(tag, id)
    const before = await this.call(this.client.get(recordKey), 'GET')
    const oldPlan = before ? (JSON.parse(before) as { plan_id: string | null }).plan_id : null

    const json = JSON.stringify(stored.key)
    const set: string[] = ['rv', recordVersion(json)]
    const del: string[] = []
    for (const [field, value] of Object.entries(hotConfig(stored))) {
      if (value === null) del.push(field)
      else set.push(field, value)
    }
    if (options.resetWindows) del.push(...WINDOW_FIELDS)
    const tx = this.client
      .multi()
      .set(recordKey, json)
      .hset(hot, ...set)
    if (del.length > 0) tx.hdel(hot, ...del)
    if (options.resetWindows) tx.del(this.names.ring(tag, id))
    await this.call(tx.exec(), 'MULTI')

    const index: Promise<unknown>[] = [this.client.sadd(this.names.keys, id)]
    if (oldPlan !== null && oldPlan !== stored.key.plan_id) {
      index.push(this.client.srem(this.names.planKeys(oldPlan), id))
    }
    if (stored.key.plan_id !== null) {
      index.push(this.client.sadd(this.names.planKeys(stored.key.plan_id), id))
    }
    await this.call(Promise.all(index), 'index update')
  }

  async loadKey(id: string): Promise<LoadedKey | null> {
    const tag = id.slice(0, TAG_LENGTH)
    const [record, hot, ring] = await this.call(
      Promise.all([
        this.client.get(this.names.record(tag, id)),
        this.client.hgetall(this.names.hot(tag, id)),
        this.client.hgetall(this.names.ring(tag, id)),
      ]),
      'load key',
    )
    return record ? loadedKey(record, hot, ring) : null
  }

  async deleteKey(id: string): Promise<void> {
    const tag = id.slice(0, TAG_LENGTH)
    const record = await this.call(this.client.get(this.names.record(tag, id)), 'GET')
    const plan = record ? (JSON.parse(record) as { plan_id: string | null }).plan_id : null
    await this.call(
      this.client.del(
        this.names.record(tag, id),
        this.names.hot(tag, id),
        this.names.ring(tag, id),
        this.names.clientTokens(tag, id),
        this.names.logs(tag, id),
      ),
      'DEL',
    )
    const index: Promise<unknown>[] = [this.client.srem(this.names.keys, id)]
    if (plan !== null) index.push(this.client.srem(this.names.planKeys(plan), id))
    await this.call(Promise.all(index), 'index update')
  }

  async listKeyIds(): Promise<string[]> {
    return (await this.call(this.client.smembers(this.names.keys), 'SMEMBERS')).sort()
  }

  async keyIdsOfPlan(planId: string): Promise<string[]> {
    return (await this.call(this.client.smembers(this.names.planKeys(planId)), 'SMEMBERS')).sort()
  }

  async savePlan(plan: Plan): Promise<void> {
    await this.call(this.client.hset(this.names.plans, plan.id, JSON.stringify(plan)), 'HSET')
  }

  async loadPlan(id: string): Promise<Plan | null> {
    const json = await this.call(this.client.hget(this.names.plans, id), 'HGET')
    return json ? (JSON.parse(json) as Plan) : null
  }

  async deletePlan(id: string): Promise<void> {
    await this.call(this.client.hdel(this.names.plans, id), 'HDEL')
  }

  async listPlans(): Promise<Plan[]> {
    const all = await this.call(this.client.hgetall(this.names.plans), 'HGETALL')
    return Object.values(all)
      .map((json) => JSON.parse(json) as Plan)
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

  async saveKeyLimits(writes: readonly LimitsWrite[]): Promise<void> {
    await this.call(keyBatch.saveKeyLimits(this.client, this.names, writes), 'save limits')
  }

  async saveClientToken(
    keyId: string,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<void> {
    const key = this.names.clientTokens(keyId.slice(0, TAG_LENGTH), keyId)
    const now = await this.now()
    const all = await this.call(this.client.hgetall(key), 'HGETALL')
    const expired = Object.entries(all)
      .filter(([, value]) => Number(value.split('|')[0]) + EXPIRED_TOKEN_KEPT_MS <= now)
      .map(([field]) => field)
    const tx = this.client.multi().hset(key, hash, `${expiresMs}|${scopes.join(',')}`)
    if (expired.length > 0) tx.hdel(key, ...expired)
    // The hash outlives its longest-lived token by EXPIRED_TOKEN_KEPT_MS (on the store's clock).
    const ttl = Math.max(1, expiresMs - now + EXPIRED_TOKEN_KEPT_MS)
    tx.pexpire(key, ttl, 'NX').pexpire(key, ttl, 'GT')
    await this.call(tx.exec(), 'MULTI')
  }

  async deleteClientTokens(keyId: string): Promise<void> {
    await this.call(
      this.client.del(this.names.clientTokens(keyId.slice(0, TAG_LENGTH), keyId)),
      'DEL',
    )
  }

  async close(): Promise<void> {
    await flushRequestLogs(this)
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
