// The one interface behind everything: RedisStore and MemoryStore both implement it.

import type { ApiKey, EffectiveLimits, Plan } from './types'
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
  /** Verifies a token and charges its limits in one atomic step. */
  verify(request: VerifyRequest): Promise<Verdict>
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
  close(): Promise<void>
}
