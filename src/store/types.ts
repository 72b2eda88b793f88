// The one interface behind everything: RedisStore and MemoryStore both implement it.

import type { Cluster, Redis } from 'ioredis'
import type { TokenType } from '../token'
import type {
  ApiKey,
  EffectiveLimits,
  Plan,
  RequestLogEntry,
  RequestPage,
  SeriesGranularity,
  UsageSeries,
} from '../types'
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from './audit-records'
import type { CreditsOutcome, CreditsWrite } from './credits'
import type { UserStore } from './user-store'
import type { Verdict } from './verdict'

/**
 * How long the stores still know a client token after it expired, so that it answers 401
 * EXPIRED_API_KEY (which does not count against the client's IP) rather than INVALID_API_KEY.
 */
export const EXPIRED_TOKEN_KEPT_MS = 3_600_000

export interface VerifyRequest {
  /** Key id read from the token. */
  id: string
  /** Hash tag read from the token: every key the verification touches shares it. */
  tag: string
  /** SHA-256 of the presented token. */
  hash: string
  /** Credits charged to the quotas. */
  cost: number
  /** Scopes the route requires. */
  scopes: readonly string[]
  /** The token type; a client token (`ct`) is checked against its parent key's client tokens. */
  type?: TokenType
}

/** Everything stored about a key except its counters. */
export interface StoredKey {
  key: Omit<ApiKey, 'last_used_at'>
  limits: EffectiveLimits
  secretHash: string
  /** A regenerated key's old secret, accepted until `untilMs`. */
  previous?: { hash: string; untilMs: number } | null
}

export interface LoadedKey extends StoredKey {
  key: ApiKey
  /** The raw counter fields of the key's hot and ring hashes (see docs/redis-layout.md). */
  counters: Record<string, string>
  /** The key's version: every admin write adds one; a write is applied only at the version it read. */
  version: number
  /** Version of the plan its limits were computed from (0: none, or written before versions). */
  planVersion: number
}

/**
 * One admin write of a key, applied atomically and only if the key is still at `expect`.
 * It touches the record (when given) and the named hot fields, nothing else.
 */
export interface KeyWrite {
  id: string
  /** The version the write was computed from; `'new'`: the key must not exist yet. */
  expect: number | 'new'
  /** The whole public record, or undefined to keep the stored one. */
  record?: Omit<ApiKey, 'last_used_at'>
  /** Hot-hash fields to set (string) or delete (null); see hot-fields.ts. */
  fields: Record<string, string | null>
  /** Drop the quota window counters (after a switch between rolling and calendar windows). */
  resetWindows?: boolean
  /** Revoke every client token of the key (regenerate, deactivate). */
  dropClientTokens?: boolean
}

/** How a conditional write ended: `stale` means another write came first; read again and retry. */
export type WriteOutcome =
  | { ok: true; version: number }
  | { ok: false; reason: 'missing' | 'exists' | 'stale' }

export type DeleteOutcome =
  | { ok: true; record: Omit<ApiKey, 'last_used_at'> }
  | { ok: false; reason: 'missing' | 'in_use' | 'stale' }

/** A plan with the version that conditional plan writes compare. */
export interface VersionedPlan {
  plan: Plan
  version: number
}

/** A Redis connection that other parts may keep shared state on (IP failure counts and blocks). */
export interface SharedRedis {
  client: Redis | Cluster
  /** The store's key prefix: shared state lives under it. */
  prefix: string
}

/** What the guard needs of a store: one verification per request, and the request log's writes. */
export interface GuardStore {
  /**
   * Verifies a token and charges its limits in one atomic step. `timeoutMs` bounds the call in
   * place of the store's default (RedisStore: `commandTimeout`); the guard passes its `timeout`.
   */
  verify(request: VerifyRequest, timeoutMs?: number): Promise<Verdict>
  /** The store's clock, in milliseconds since the epoch. */
  now(): Promise<number>
  /** Appends logged requests (batched by the guard, off the request path), capped per key. */
  appendRequests(entries: readonly RequestLogEntry[]): Promise<void>
  /** The Redis connection behind the store, or null for a store of this process only. */
  sharedRedis(): SharedRedis | null
  close(): Promise<void>
}

/** What KeyManager, the admin API and the CLI need: records, plans, users, client tokens, logs, audit. */
export interface AdminStore extends UserStore {
  /** The store's clock, in milliseconds since the epoch. */
  now(): Promise<number>
  /** Applies one key write atomically, if the key is still at the version it expects. */
  writeKey(write: KeyWrite): Promise<WriteOutcome>
  /** Changes a key's credits (its total quota) against the credits used at that moment, atomically. */
  writeCredits(write: CreditsWrite): Promise<CreditsOutcome>
  loadKey(id: string): Promise<LoadedKey | null>
  /** Optional: many keys' records and effective limits at once (pipelined). */
  loadKeyRecords?(ids: readonly string[]): Promise<Array<KeyRecord | null>>
  /** Deletes a never-used key and all it stores, atomically; `expect` pins its version. */
  deleteKey(id: string, expect?: number): Promise<DeleteOutcome>
  listKeyIds(): Promise<string[]>
  /** Index updates after a key write: the key is listed, and under its plan (if any). */
  indexKey(id: string, planId: string | null, previousPlanId: string | null): Promise<void>
  /** Index clean-up after a delete. */
  unindexKey(id: string, planId: string | null): Promise<void>
  keyIdsOfPlan(planId: string): Promise<string[]>
  /** Writes (or, with null, deletes) a plan atomically, if it is still at the version it expects. */
  writePlan(id: string, plan: Plan | null, expect: number | 'new'): Promise<WriteOutcome>
  loadPlan(id: string): Promise<VersionedPlan | null>
  listPlans(): Promise<Plan[]>
  /**
   * Stores a client token of a key (its SHA-256, expiry in ms since the epoch, and scopes), only
   * while the key is active and still at `keyVersion`: a deactivation or regenerate that lands
   * first revokes the token before it exists.
   */
  saveClientToken(
    keyId: string,
    keyVersion: number,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<'ok' | 'stale'>
  /** A key's logged requests, newest first, with the number kept. */
  requests(id: string, page: { page: number; limit: number }): Promise<RequestPage>
  /**
   * A key's requests per hour (the last 7 days) or per day (the last 90) at `nowMs`, allowed and
   * rejected by code: counters the request log's flushes write (see usage-series.ts).
   */
  usageSeries(id: string, granularity: SeriesGranularity, nowMs: number): Promise<UsageSeries>
  /** Appends an admin action to the audit trail (capped); returns it with the id the store gave it. */
  appendAudit(entry: AuditEntry): Promise<AuditRecord>
  /** The audit trail, newest first, filtered, with the number of matches. */
  audit(query: AuditQuery): Promise<AuditPage>
  close(): Promise<void>
}

/** The one interface every backend implements: RedisStore and MemoryStore are both. */
export interface Store extends GuardStore, AdminStore {}

/** A key's record and effective limits, without its counters, with its versions. */
export interface KeyRecord {
  key: ApiKey
  limits: EffectiveLimits
  version: number
  planVersion: number
}
