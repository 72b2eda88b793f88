// Public entry point: re-exports only.

export type { AdminRouterOptions } from './admin-options'
export { adminRouter } from './admin-router'
export {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  type AuditListQuery,
  AuditLog,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditTarget,
  type AuditTargetType,
} from './audit'
export type { AuditLogCaps } from './audit-caps'
export type { AuditChanges, FieldChange } from './audit-changes'
export { ensureAdminKey } from './bootstrap'
export { type ClientToken, type ClientTokenOptions, ClientTokens } from './client-tokens'
export { defaultStore } from './default-store'
export type { ErrorCode } from './errors'
export { KeyguardConfigError, KeyguardError, StoreUnavailableError } from './errors'
export { type ApiKeyContext, apiKeyGuard } from './guard'
export type { ApiKeyGuardOptions } from './guard-options'
export { type IpBlock, IpBlocker, type IpBlockOptions, ipBlockerFor } from './ip-block'
export { ipGroup } from './ip-group'
export { KeyManager, type KeyManagerOptions, type Page } from './key-manager'
export { MemoryStore, type MemoryStoreOptions } from './memory-store'
export { PlanManager, type PlanUpdateOptions } from './plan-manager'
export { RedisStore, type RedisStoreOptions } from './redis-store'
export {
  flushRequestLogs,
  RequestLogBatcher,
  type RequestLogOptions,
} from './request-log'
export type { RequestLogCaps } from './request-log-caps'
export type {
  DeleteOutcome,
  KeyRecord,
  KeyWrite,
  LoadedKey,
  Store,
  StoredKey,
  VerifyRequest,
  VersionedPlan,
  WriteOutcome,
} from './store'
export { hashToken, mintToken, type ParsedToken, parseToken, type TokenType } from './token'
export type * from './types'
export type { Outcome, Verdict, WindowState } from './verdict'
