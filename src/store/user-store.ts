// What a store keeps of users: the records (versioned, like plans) and the disabled flag per hash tag.

import type { User } from '../types'

/** A user as stored: the answer's `plan` is never stored, only `plan_id`. */
export type StoredUser = Omit<User, 'plan'>

/** How a conditional user write ended (the shape of a key's or a plan's `WriteOutcome`). */
export type UserWriteOutcome =
  | { ok: true; version: number }
  | { ok: false; reason: 'missing' | 'exists' | 'stale' }

/** A user with the version that conditional user writes compare. */
export interface VersionedUser {
  user: StoredUser
  version: number
}

/**
 * Users. A user's record lives in the hash slot of the user's keys (the tag `tagFor(user_id)`),
 * next to the flag that verification reads: disabling a user and refusing its keys is one write.
 */
export interface UserStore {
  /**
   * Writes (or, with null, deletes) a user atomically if it is still at the version it expects
   * (`'new'`: must not exist), and sets or clears the disabled flag of the user's own hash tag in
   * the same step. `id` is the user id as text (`String(user_id)`).
   */
  writeUser(id: string, user: StoredUser | null, expect: number | 'new'): Promise<UserWriteOutcome>
  loadUser(id: string): Promise<VersionedUser | null>
  /** Every stored user, in no particular order. */
  listUsers(): Promise<StoredUser[]>
  /** The next number of the user id sequence (1, 2, …); a number may be taken already. */
  nextUserId(): Promise<number>
  /**
   * Sets or clears the disabled flag of one hash tag, for a user's keys that live outside the
   * user's own tag (imported keys whose tag comes from their token). Idempotent.
   */
  setUserDisabled(tag: string, disabled: boolean): Promise<void>
}
