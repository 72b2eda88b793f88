// The one interface behind everything: RedisStore and MemoryStore both implement it.

import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from './audit'
import type { TokenType } from './token'
import type { ApiKey, EffectiveLimits, Plan, RequestLogEntry, RequestPage } from './types'
import type { Verdict } from './verdict'

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
  /** The raw counter fields of the key's hot and ring hashes (see README, "Redis key layout"). */
  counters: Record<string, string>
}

export interface SaveKeyOptions {
  /** Drop the quota window counters (after a switch between rolling and calendar windows). */
  resetWindows?: boolean
}

export interface Store {
  /**
   * Verifies a token and charges its limits in one atomic step. `timeoutMs` bounds the call in
   * place of the store's default (RedisStore: `commandTimeout`); the guard passes its `timeout`.
   */
  verify(request: VerifyRequest, timeoutMs?: number): Promise<Verdict>
  /** The store's clock, in milliseconds since the epoch. */
  now(): Promise<number>
  saveKey(stored: StoredKey, options?: SaveKeyOptions): Promise<void>
  loadKey(id: string): Promise<LoadedKey | null>
  deleteKey(id: string): Promise<void>
  listKeyIds(): Promise<string[]>
  keyIdsOfPlan(planId: string): Promise<string[]>
  savePlan(plan: Plan): Promise<void>
  loadPlan(id: string): Promise<Plan | null>
  deletePlan(id: string): Promise<void>
  listPlans(): Promise<Plan[]>
  /** Stores a client token of a key: its SHA-256, expiry (ms since the epoch) and scopes. */
  saveClientToken(
    keyId: string,
    hash: string,
    expiresMs: number,
    scopes: readonly string[],
  ): Promise<void>
  /** Revokes every client token of a key (on regenerate, deactivate and delete). */
  deleteClientTokens(keyId: string): Promise<void>
  close(): Promise<void>
  /** Appends logged requests (batched by the guard, off the request path), capped per key. */
  appendRequests(entries: readonly RequestLogEntry[]): Promise<void>
  /** A key's logged requests, newest first, with the number kept. */
  requests(id: string, page: { page: number; limit: number }): Promise<RequestPage>
  /** Appends an admin action to the audit trail (capped); returns it with the id the store gave it. */
  appendAudit(entry: AuditEntry): Promise<AuditRecord>
  /** The audit trail, newest first, filtered, with the number of matches. */
  audit(query: AuditQuery): Promise<AuditPage>
  /** Optional: many keys' records and effective limits at once (pipelined). */
  loadKeyRecords?(ids: readonly string[]): Promise<Array<KeyRecord | null>>
  /** Optional: rewrites only the effective limits of many keys at once (a plan edit). */
  saveKeyLimits?(writes: readonly LimitsWrite[]): Promise<void>
}

/** A key's record and effective limits, without its counters. */
export interface KeyRecord {
  key: ApiKey
  limits: EffectiveLimits
}

/** New effective limits for one key (its window counters stay as they are). */
export interface LimitsWrite {
  key: Omit<ApiKey, 'last_used_at'>
  limits: EffectiveLimits
}
