// The audit trail's records as the stores keep them; the AuditLog service (audit/) writes and reads them.

/** One changed field: its value before and after (null when it did not exist). */
export interface FieldChange {
  from: unknown
  to: unknown
}

export type AuditChanges = Record<string, FieldChange>

export const AUDIT_ACTIONS = [
  'key.create',
  'key.update',
  'key.deactivate',
  'key.regenerate',
  'key.revoke',
  'key.credits',
  'key.delete',
  'plan.create',
  'plan.update',
  'plan.delete',
  'user.create',
  'user.update',
  'user.delete',
  'token.create',
  'ip.unblock',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export const AUDIT_TARGET_TYPES = ['key', 'plan', 'user', 'ip', 'token'] as const
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number]

/** What an action was done to. A client token has no id of its own: `id` is its parent key's. */
export interface AuditTarget {
  type: AuditTargetType
  id: string
}

/** One record as it is appended; the store gives it its `id`. */
export interface AuditEntry {
  /** Store time of the action, ISO 8601. */
  time: string
  action: AuditAction
  /** The admin key id that acted (`req.apiKey.id`), or `"cli"`. */
  actor: string
  target: AuditTarget
  /** Changed fields, `{ field: { from, to } }`, secrets redacted. */
  changes: AuditChanges
  /** The client's IP (`req.ip`, so Express's `trust proxy` decides it); null for the CLI. */
  ip: string | null
}

/** A stored record; `id` orders records (a Redis Stream id, `<ms>-<seq>`). */
export interface AuditRecord extends AuditEntry {
  id: string
}

/** A store's read of the audit trail: newest first, filtered. */
export interface AuditQuery {
  page: number
  limit: number
  action?: AuditAction
  target?: { type?: AuditTargetType; id?: string }
}

export interface AuditPage {
  records: AuditRecord[]
  /** Records matching the filters, in all. */
  count: number
}

/** True when a record passes a query's filters (both stores filter with it). */
export function matchesAudit(entry: AuditEntry, query: AuditQuery): boolean {
  if (query.action !== undefined && entry.action !== query.action) return false
  const target = query.target
  if (target?.type !== undefined && entry.target.type !== target.type) return false
  if (target?.id !== undefined && entry.target.id !== target.id) return false
  return true
}
