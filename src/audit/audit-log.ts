// The audit trail: which admin did what to which key, plan, client token or IP, when, and from where.

import { z } from 'zod'
import type { IpBlock } from '../ip-block'
import type { ClientToken, Page } from '../keys'
import { pageQuerySchema } from '../keys'
import type { AdminStore } from '../store'
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditAction,
  type AuditChanges,
  type AuditRecord,
  type AuditTarget,
} from '../store'
import type { ApiKey, Plan, User } from '../types'
import { parseInput } from '../validation'
import { diffFields, REDACTED } from './changes'

/** Who acted, and from where. */
export interface AuditActor {
  id: string
  ip: string | null
}

export const CLI_ACTOR: AuditActor = { id: 'cli', ip: null }

/** `GET /audit` and `keyguard audit`: page, limit (10, max 100), action, target_id, target_type. */
export const auditQuerySchema = pageQuerySchema.extend({
  action: z.enum(AUDIT_ACTIONS, { error: `must be one of ${AUDIT_ACTIONS.join(', ')}` }).optional(),
  target_id: z.string().min(1).max(200).optional(),
  target_type: z
    .enum(AUDIT_TARGET_TYPES, { error: `must be one of ${AUDIT_TARGET_TYPES.join(', ')}` })
    .optional(),
})

export type AuditListQuery = z.input<typeof auditQuerySchema>

const KEY_META = ['id', 'created_at', 'updated_at', 'last_used_at']
const PLAN_META = ['id', 'created_at', 'updated_at']
const USER_META = ['user_id', 'created_at', 'updated_at']

/** A user's own fields (its plan is recorded by `plan_id`). */
const userFields = ({ plan, ...user }: User): Record<string, unknown> => fieldsOf(user)
const userTarget = (user: User): AuditTarget => ({ type: 'user', id: String(user.user_id) })

const fieldsOf = (o: object): Record<string, unknown> => ({ ...o }) as Record<string, unknown>

/** Records admin actions in a store's audit trail, and reads it back. */
export class AuditLog {
  constructor(private readonly store: AdminStore) {}

  /** Appends one record, stamped with the store's time. */
  async record(
    actor: AuditActor,
    action: AuditAction,
    target: AuditTarget,
    changes: AuditChanges = {},
  ): Promise<AuditRecord> {
    const time = new Date(await this.store.now()).toISOString()
    return this.store.appendAudit({ time, action, actor: actor.id, target, changes, ip: actor.ip })
  }

  /** Newest first: `{ data, count, page, limit }`, as `GET /audit` answers. */
  async list(query: AuditListQuery = {}): Promise<Page<AuditRecord>> {
    const q = parseInput(auditQuerySchema, query)
    const target =
      q.target_id === undefined && q.target_type === undefined
        ? undefined
        : {
            ...(q.target_type === undefined ? {} : { type: q.target_type }),
            ...(q.target_id === undefined ? {} : { id: q.target_id }),
          }
    const page = await this.store.audit({
      page: q.page,
      limit: q.limit,
      ...(q.action === undefined ? {} : { action: q.action }),
      ...(target === undefined ? {} : { target }),
    })
    return { data: page.records, count: page.count, page: q.page, limit: q.limit }
  }

  keyCreated(actor: AuditActor, key: ApiKey): Promise<AuditRecord> {
    return this.record(actor, 'key.create', { type: 'key', id: key.id }, keyChanges(null, key))
  }

  /** An update; one that turns an active key inactive is recorded as `key.deactivate`. */
  keyUpdated(actor: AuditActor, before: ApiKey, after: ApiKey): Promise<AuditRecord> {
    const action =
      before.status !== 'inactive' && after.status === 'inactive' ? 'key.deactivate' : 'key.update'
    return this.record(actor, action, { type: 'key', id: after.id }, keyChanges(before, after))
  }

  /** A new secret: recorded as changed, never shown; the old one works until `updated_at + grace`. */
  keyRegenerated(actor: AuditActor, key: ApiKey, graceSeconds: number): Promise<AuditRecord> {
    const until = Date.parse(key.updated_at) + graceSeconds * 1000
    return this.record(
      actor,
      'key.regenerate',
      { type: 'key', id: key.id },
      {
        secret: { from: REDACTED, to: REDACTED },
        previous_secret_expires_at: {
          from: null,
          to: Number.isFinite(until) ? new Date(until).toISOString() : null,
        },
      },
    )
  }

  /** A revocation: the key's status, from what it was to `revoked`. */
  keyRevoked(actor: AuditActor, before: ApiKey, after: ApiKey): Promise<AuditRecord> {
    return this.record(
      actor,
      'key.revoke',
      { type: 'key', id: after.id },
      keyChanges(before, after),
    )
  }

  /** A credits change: the op and amount, the total quota and the credits left, before and after. */
  keyCredits(
    actor: AuditActor,
    before: ApiKey,
    after: ApiKey,
    credits: { op: string; amount: number; remaining: number; remaining_before: number | null },
  ): Promise<AuditRecord> {
    return this.record(
      actor,
      'key.credits',
      { type: 'key', id: after.id },
      {
        ...keyChanges(before, after),
        [credits.op]: { from: null, to: credits.amount },
        credits: { from: credits.remaining_before, to: credits.remaining },
      },
    )
  }

  keyDeleted(actor: AuditActor, before: ApiKey): Promise<AuditRecord> {
    return this.record(
      actor,
      'key.delete',
      { type: 'key', id: before.id },
      keyChanges(before, null),
    )
  }

  planCreated(actor: AuditActor, plan: Plan): Promise<AuditRecord> {
    const changes = diffFields(null, fieldsOf(plan), PLAN_META)
    return this.record(actor, 'plan.create', { type: 'plan', id: plan.id }, changes)
  }

  planUpdated(actor: AuditActor, before: Plan, after: Plan): Promise<AuditRecord> {
    const changes = diffFields(fieldsOf(before), fieldsOf(after), PLAN_META)
    return this.record(actor, 'plan.update', { type: 'plan', id: after.id }, changes)
  }

  planDeleted(actor: AuditActor, before: Plan): Promise<AuditRecord> {
    const changes = diffFields(fieldsOf(before), null, PLAN_META)
    return this.record(actor, 'plan.delete', { type: 'plan', id: before.id }, changes)
  }

  userCreated(actor: AuditActor, user: User): Promise<AuditRecord> {
    const changes = diffFields(null, userFields(user), USER_META)
    return this.record(actor, 'user.create', userTarget(user), changes)
  }

  /** An update; `is_disabled` going to true is how a user is disabled. */
  userUpdated(actor: AuditActor, before: User, after: User): Promise<AuditRecord> {
    const changes = diffFields(userFields(before), userFields(after), USER_META)
    return this.record(actor, 'user.update', userTarget(after), changes)
  }

  userDeleted(actor: AuditActor, before: User): Promise<AuditRecord> {
    const changes = diffFields(userFields(before), null, USER_META)
    return this.record(actor, 'user.delete', userTarget(before), changes)
  }

  /** A client token minted (`POST /tokens`): its parent, scopes and expiry, never the token. */
  tokenCreated(actor: AuditActor, token: ClientToken): Promise<AuditRecord> {
    const changes = diffFields(null, {
      key_id: token.key_id,
      user_id: token.user_id,
      scopes: token.scopes,
      expires_at: token.expires_at,
    })
    return this.record(actor, 'token.create', { type: 'token', id: token.key_id }, changes)
  }

  /** An IP group unblocked; `before` is its block as listed, if it was. */
  ipUnblocked(actor: AuditActor, group: string, before: IpBlock | undefined): Promise<AuditRecord> {
    return this.record(
      actor,
      'ip.unblock',
      { type: 'ip', id: group },
      { blocked_until: { from: before?.blocked_until ?? null, to: null } },
    )
  }
}

function keyChanges(before: ApiKey | null, after: ApiKey | null): AuditChanges {
  return diffFields(before && fieldsOf(before), after && fieldsOf(after), KEY_META)
}
