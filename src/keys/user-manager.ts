// Users (Limitly's resource): CRUD, their keys, their usage; a user's plan and disabled flag reach its keys.

import { conflict, KeyguardError, planNotFound, userNotFound, validationError } from '../errors'
import type { AdminStore, LoadedKey, StoredUser, VersionedPlan, VersionedUser } from '../store'
import type { ApiKey, ApiKeyWithSecret, Plan, User, UserId, UserUsage } from '../types'
import { parseInput } from '../validation'
import { definedOnly } from './key-writes'
import { refuseInactivePlan } from './plan-assign'
import { retryStale, STALE } from './retry-write'
import type { KeyCreateInput } from './schemas'
import {
  canonicalUserId,
  type UserCreateInput,
  type UserUpdateInput,
  userCreateSchema,
  userIdSchema,
  userUpdateSchema,
} from './user-schemas'
import { keysOfUsers, otherTags, spreadUserFlag, syncInheritedKeys } from './user-sync'
import { userUsage } from './user-usage'

const iso = (ms: number): string => new Date(ms).toISOString()

/** Auto-assigned ids skip numbers already taken; this many in a row means something is wrong. */
const MAX_ID_ATTEMPTS = 1000

/** What `edit` returns: the written user, the user before the write, and whether anything changed. */
export interface UserEdited {
  data: User
  before: User
  changed: boolean
}

/** Creates a key: KeyManager's `create`, so a user's key is made like any other. */
type CreateKey = (input: KeyCreateInput) => Promise<{ data: ApiKeyWithSecret }>

export class UserManager {
  constructor(
    private readonly store: AdminStore,
    private readonly createKeyOf: CreateKey,
  ) {}

  /** `POST /users`: without `user_id`, the next free whole number is assigned. */
  async create(input: UserCreateInput): Promise<{ data: User }> {
    const body = parseInput(userCreateSchema, input)
    const plan = body.plan_id ? await this.planOf(body.plan_id) : null
    refuseInactivePlan(plan)
    const now = iso(await this.store.now())
    const fields = {
      name: body.name,
      email: body.email ?? null,
      is_disabled: body.is_disabled ?? false,
      plan_id: body.plan_id ?? null,
      custom_start: isoOrNull(body.custom_start),
      created_at: now,
      updated_at: now,
    }
    let written: { user: StoredUser; version: number } | null = null
    if (body.user_id !== undefined) {
      const user = { user_id: canonicalUserId(body.user_id), ...fields }
      const outcome = await this.store.writeUser(String(user.user_id), user, 'new')
      if (!outcome.ok) {
        throw conflict(`A user with user_id ${JSON.stringify(user.user_id)} already exists`, {
          user_id: user.user_id,
        })
      }
      written = { user, version: outcome.version }
    }
    for (let n = 0; written === null && n < MAX_ID_ATTEMPTS; n++) {
      const user = { user_id: await this.store.nextUserId(), ...fields }
      const outcome = await this.store.writeUser(String(user.user_id), user, 'new')
      if (outcome.ok) written = { user, version: outcome.version }
    }
    if (written === null) throw new Error('keyguard: no free user id in the sequence')
    // Keys may carry this user_id already (keys never need a user record): they follow it now.
    await this.settle(written, null)
    return { data: withPlan(written.user, plan?.plan ?? null) }
  }

  async get(id: UserId): Promise<{ data: User }> {
    const { user } = await this.load(id)
    return { data: withPlan(user, await this.planIfAny(user.plan_id)) }
  }

  /** Every user, ordered by id (numbers first, ascending), each with its plan. */
  async list(): Promise<{ data: User[]; count: number }> {
    const users = await this.store.listUsers()
    const plans = new Map((await this.store.listPlans()).map((p) => [p.id, p]))
    const data = users
      .sort(byUserId)
      .map((u) => withPlan(u, u.plan_id === null ? null : (plans.get(u.plan_id) ?? null)))
    return { data, count: data.length }
  }

  async update(id: UserId, input: UserUpdateInput): Promise<{ data: User }> {
    const { data } = await this.edit(id, input)
    return { data }
  }

  /**
   * `update`, plus the user before the write (for the audit trail). Applied at the version it
   * read, retried if another edit lands first. A new `is_disabled` reaches every key of the user
   * on its next request; a new `plan_id` gives the user's plan-less keys the plan's limits.
   */
  async edit(id: UserId, input: UserUpdateInput): Promise<UserEdited> {
    const body = parseInput(userUpdateSchema, input)
    const newPlan =
      body.plan_id !== undefined && body.plan_id !== null ? await this.planOf(body.plan_id) : null
    const saved = await retryStale(`User ${String(id)}`, async () => {
      const current = await this.load(id)
      const before = current.user
      // An inactive plan stays with those on it, and is given to no one else.
      if (newPlan !== null && before.plan_id !== newPlan.plan.id) refuseInactivePlan(newPlan)
      const user: StoredUser = {
        ...before,
        ...definedOnly({
          name: body.name,
          email: body.email,
          is_disabled: body.is_disabled,
          plan_id: body.plan_id,
        }),
        custom_start:
          body.custom_start === undefined ? before.custom_start : isoOrNull(body.custom_start),
        updated_at: before.updated_at,
      }
      if (JSON.stringify(user) === JSON.stringify(before)) {
        return { written: current, before, changed: false }
      }
      user.updated_at = iso(await this.store.now())
      const outcome = await this.store.writeUser(userKey(before.user_id), user, current.version)
      if (outcome.ok) return { written: { user, version: outcome.version }, before, changed: true }
      if (outcome.reason === 'missing') throw userNotFound(String(id))
      return STALE
    })
    // Also when nothing changed: sending an edit again finishes one that was interrupted.
    await this.settle(saved.written, saved.changed ? saved.before : null)
    const plan = await this.planIfAny(saved.written.user.plan_id)
    const beforePlan = await this.planIfAny(saved.before.plan_id)
    return {
      data: withPlan(saved.written.user, plan),
      before: withPlan(saved.before, beforePlan),
      changed: saved.changed,
    }
  }

  async delete(id: UserId): Promise<{ data: { message: string } }> {
    const { data } = await this.remove(id)
    return { data }
  }

  /** `delete`, plus the deleted user. A user who still has keys is not deleted: 409 USER_IN_USE. */
  async remove(id: UserId): Promise<{ data: { message: string }; before: User }> {
    const before = await retryStale(`User ${String(id)}`, async () => {
      const current = await this.load(id)
      const keys = await keysOfUsers(this.store, new Set([userKey(current.user.user_id)]))
      if (keys.length > 0) {
        throw new KeyguardError(
          409,
          'USER_IN_USE',
          `This user has ${keys.length} key(s); delete them first (a key cannot move to another user), or disable the user instead`,
          { user_id: current.user.user_id, keys: keys.length },
        )
      }
      const outcome = await this.store.writeUser(
        userKey(current.user.user_id),
        null,
        current.version,
      )
      if (outcome.ok) return current.user
      if (outcome.reason === 'missing') throw userNotFound(String(id))
      return STALE
    })
    return {
      data: { message: 'User deleted successfully' },
      before: withPlan(before, await this.planIfAny(before.plan_id)),
    }
  }

  /** `GET /users/:id/keys`: the user's keys, newest first. */
  async keys(id: UserId): Promise<{ data: ApiKey[]; count: number }> {
    const { user } = await this.load(id)
    const found = await keysOfUsers(this.store, new Set([userKey(user.user_id)]))
    const data = found
      .map((k) => k.key)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
    return { data, count: data.length }
  }

  /** `POST /users/:id/keys`: a new key of the user (`user_id` may be sent, if it is this user's). */
  async createKey(id: UserId, input: KeyCreateInput): Promise<{ data: ApiKeyWithSecret }> {
    const { user } = await this.load(id)
    const given = (input as { user_id?: unknown } | null)?.user_id
    if (given !== undefined && given !== null && String(given) !== String(user.user_id)) {
      throw validationError(
        'user_id',
        `this route creates a key of user ${String(user.user_id)}; leave user_id out or send that id`,
      )
    }
    const body = typeof input === 'object' && input !== null ? input : ({} as KeyCreateInput)
    return this.createKeyOf({ ...body, user_id: user.user_id })
  }

  /** `GET /users/:id/usage`, with Limitly's fields. */
  async usage(id: UserId): Promise<{ data: UserUsage }> {
    const { user } = await this.load(id)
    const plan = await this.planIfAny(user.plan_id)
    const records = await keysOfUsers(this.store, new Set([userKey(user.user_id)]))
    const loaded = await Promise.all(records.map((r) => this.store.loadKey(r.key.id)))
    const keys = loaded.filter((k): k is LoadedKey => k !== null)
    return { data: userUsage(user, plan, keys, await this.store.now()) }
  }

  /** `GET /plans/:id/users`: the plan, and the users on it. */
  async ofPlan(planId: string): Promise<{ data: { plan: Plan; users: User[] } }> {
    const plan = await this.planOf(planId)
    const users = (await this.store.listUsers())
      .filter((u) => u.plan_id === planId)
      .sort(byUserId)
      .map((u) => withPlan(u, plan.plan))
    return { data: { plan: plan.plan, users } }
  }

  /**
   * Carries a written user to its keys: the disabled flag to the hash tags of keys outside the
   * user's own (that one was written with the record), and the plan to its plan-less keys.
   * `before` null: everything is applied (a new user, or an edit sent again).
   */
  private async settle(written: VersionedUser, before: StoredUser | null): Promise<void> {
    const flagChanged = before === null || before.is_disabled !== written.user.is_disabled
    const planChanged = before === null || before.plan_id !== written.user.plan_id
    if (!flagChanged && !planChanged) return
    const id = userKey(written.user.user_id)
    const keys = await keysOfUsers(this.store, new Set([id]))
    if (flagChanged) await spreadUserFlag(this.store, id, written, otherTags(id, keys))
    if (planChanged) await syncInheritedKeys(this.store, keys)
  }

  private async load(id: UserId): Promise<VersionedUser> {
    const parsed = userIdSchema.safeParse(typeof id === 'string' ? canonicalUserId(id) : id)
    const found = parsed.success ? await this.store.loadUser(userKey(parsed.data)) : null
    if (!found) throw userNotFound(String(id))
    return found
  }

  private async planOf(planId: string): Promise<VersionedPlan> {
    const plan = await this.store.loadPlan(planId)
    if (!plan) throw planNotFound(planId)
    return plan
  }

  /** A user's plan for answers; a plan deleted meanwhile is left out. */
  private async planIfAny(planId: string | null): Promise<Plan | null> {
    return planId === null ? null : ((await this.store.loadPlan(planId))?.plan ?? null)
  }
}

/** The text form of a user id: the store's key for the user, and what keys' user_id is compared as. */
const userKey = (id: UserId): string => String(canonicalUserId(id))

const isoOrNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null ? null : iso(Date.parse(value))

function withPlan(user: StoredUser, plan: Plan | null): User {
  return plan === null ? { ...user } : { ...user, plan }
}

/** Numbers first, ascending; then string ids in order. */
function byUserId(a: StoredUser, b: StoredUser): number {
  const [x, y] = [a.user_id, b.user_id]
  if (typeof x === 'number' && typeof y === 'number') return x - y
  if (typeof x === 'number') return -1
  if (typeof y === 'number') return 1
  return x.localeCompare(y)
}
