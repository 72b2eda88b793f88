// audit: the folder's public face; other folders import from here only.

export {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditAction,
  type AuditChanges,
  type AuditEntry,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditTarget,
  type AuditTargetType,
  type FieldChange,
  matchesAudit,
} from '../store'
export * from './audit-log'
export * from './changes'
