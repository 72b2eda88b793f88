// RedisStore: the production store. One EVALSHA per verification; cluster-safe key names.

import type { Cluster, Redis } from 'ioredis'
import { KeyguardConfigError } from '../../errors'
import { isLogger } from '../../telemetry'
import { TAG_LENGTH } from '../../token'
import type {
  Plan,
  RequestLogEntry,
  RequestPage,
  SeriesGranularity,
  UsageSeries,
} from '../../types'
import { resolveAuditLogCaps } from '../audit-caps'
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from '../audit-records'
import { markSelfBounded } from '../bounded-verify'
import { runCloseHooks } from '../close-hooks'
import type { CreditsOutcome, CreditsWrite } from '../credits'
import { resolveRequestLogCaps } from '../request-log-caps'
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
import type { StoredUser, VersionedUser } from '../user-store'
import type { Verdict } from '../verdict'
import { withTimeout } from '../with-timeout'
import { defineCreditsCommand, writeCredits } from './credits'
import * as keyBatch from './key-batch'
import { hashSlot, type RedisKeyNames, redisKeyNames } from './key-names'
import { luaScript } from './lua'
import { RedisAuditLog } from './redis-audit-log'
import { connect, type RedisStoreOptions } from './redis-client'
import { RedisRequestLog } from './redis-request-log'
import { RedisVerifier } from './redis-verifier'
import { type DataLossStatus, Sentinels } from './sentinels'
import * as userWrites from './user-writes'
import * as writes from './writes'

export type { RedisStoreOptions } from './redis-client'

export const VERIFY_LUA = luaScript('verify.lua')
/** Sentinel setup and counts touch every slot of a Cluster (16384 keys): a longer bound than a request's. */
const SENTINEL_TIMEOUT_MS = 10_000

export class RedisStore implements Store {
  readonly client: Redis | Cluster
  readonly prefix: string
  readonly names: RedisKeyNames
  private readonly timeout: number
  private readonly clock: (() => number) | undefined
  private readonly ownsClient: boolean
  private readonly requestLog: RedisRequestLog
  private readonly auditLog: RedisAuditLog
  private readonly verifier: RedisVerifier
  private readonly sentinels: Sentinels

  constructor(options: RedisStoreOptions = {}) {
    // Validated before a client exists: a bad option must not leave a connection open.
    const logCaps = resolveRequestLogCaps('RedisStore', options.requestLog)
    const auditCaps = resolveAuditLogCaps('RedisStore', options.auditLog)
    if (options.logger !== undefined && !isLogger(options.logger)) {
      throw new KeyguardConfigError(
        'RedisStore: option "logger" must be a logger with error() and warn() (pino, or console)',
      )
    }
    if (options.onDataLoss !== undefined && typeof options.onDataLoss !== 'function') {
      throw new KeyguardConfigError(
        'RedisStore: option "onDataLoss" must be a function (event) => void, called when Redis lost keyguard\'s data',
      )
    }
    this.prefix = options.prefix ?? 'kg:'
    this.names = redisKeyNames(this.prefix)
    this.timeout = options.commandTimeout ?? 500
    this.clock = options.clock
    this.ownsClient = options.client === undefined
    this.client = options.client ?? connect(options)
    // The number of keys comes with each call: one call verifies a batch of tokens.
    this.client.defineCommand('keyguardVerify', { lua: VERIFY_LUA })
    this.sentinels = new Sentinels({
      client: this.client,
      prefix: this.prefix,
      onDataLoss: options.onDataLoss,
      logger: options.logger,
    })
    this.verifier = new RedisVerifier({
      client: this.client,
      names: this.names,
      clock: this.clock,
      slotOf: this.client.isCluster ? hashSlot : () => 0,
      sentinels: this.sentinels,
    })
    writes.defineWriteCommands(this.client)
    userWrites.defineUserCommands(this.client)
    defineCreditsCommand(this.client)
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

  private call<T>(promise: Promise<T>, what: string, ms = this.timeout): Promise<T> {
    return withTimeout(promise, ms, `Redis ${what}`)
  }

  async verify(request: VerifyRequest, timeoutMs = this.timeout): Promise<Verdict> {
    return this.verifier.verify(request, timeoutMs)
  }

  async now(): Promise<number> {
    if (this.clock) return this.clock()
    const [seconds, micros] = await this.call(this.client.time(), 'TIME')
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  }

  async writeKey(write: KeyWrite): Promise<WriteOutcome> {
    // A new store gets its sentinels with its first key (see sentinels.ts).
    if (write.expect === 'new')
      await this.call(this.sentinels.armIfNew(), 'sentinel setup', SENTINEL_TIMEOUT_MS)
    return this.call(writes.writeKey(this.client, this.names, write), 'write key')
  }

  async writeCredits(write: CreditsWrite): Promise<CreditsOutcome> {
    return this.call(writeCredits(this.client, this.names, write), 'write credits')
  }

  /** What this process knows of a loss of data: lost slots, and verifications refused for it. */
  dataLossStatus(): DataLossStatus {
    return this.sentinels.status()
  }

  /** Sentinels present, of those expected (16384 on a Cluster, 1 on a single Redis). */
  async sentinelCount(): Promise<{ present: number; expected: number }> {
    const present = await this.call(this.sentinels.count(), 'sentinel count', SENTINEL_TIMEOUT_MS)
    return { present, expected: this.client.isCluster ? 16384 : 1 }
  }

  /**
   * An operator's word that the keys missing from Redis are meant to be gone: writes the missing
   * sentinels, so unknown keys answer 401 again. Returns how many it wrote.
   */
  async confirmDataLoss(): Promise<number> {
    return this.call(this.sentinels.confirm(), 'sentinel write', SENTINEL_TIMEOUT_MS)
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
        .hmget(this.names.userRate(tag), 'ts', 'tm')
        .exec(),
      'load key',
    )
    const [record, hot, ring, [ts, tm] = []] = keyBatch.execResults(replies) as [
      string | null,
      Record<string, string>,
      Record<string, string>,
      Array<string | null>,
    ]
    return record ? loadedKey(record, hot, ring, { ts, tm }) : null
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

  async writeUser(
    id: string,
    user: StoredUser | null,
    expect: number | 'new',
  ): Promise<WriteOutcome> {
    const write = { id, user, expect }
    return this.call(userWrites.writeUser(this.client, this.names, this.clock, write), 'write user')
  }

  async loadUser(id: string): Promise<VersionedUser | null> {
    return this.call(userWrites.loadUser(this.client, this.names, id), 'load user')
  }

  async listUsers(): Promise<StoredUser[]> {
    return this.call(userWrites.listUsers(this.client, this.names), 'list users')
  }

  async nextUserId(): Promise<number> {
    return this.call(this.client.incr(this.names.userSeq), 'INCR')
  }

  async setUserDisabled(tag: string, disabled: boolean): Promise<void> {
    const flag = userWrites.setUserDisabled(this.client, this.names, this.clock, tag, disabled)
    await this.call(flag, 'user flag')
  }

  async appendRequests(entries: readonly RequestLogEntry[]): Promise<void> {
    await this.requestLog.append(entries)
  }

  async requests(id: string, page: { page: number; limit: number }): Promise<RequestPage> {
    return this.requestLog.read(id, page)
  }

  async usageSeries(
    id: string,
    granularity: SeriesGranularity,
    nowMs: number,
  ): Promise<UsageSeries> {
    return this.requestLog.usageSeries(id, granularity, nowMs)
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
