// Public entry point: re-exports only.

export type { AdminRouterOptions } from './admin/options'
export { adminRouter } from './admin/router'
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
} from './audit/audit-log'
export type { AuditChanges, FieldChange } from './audit/changes'
export type { ErrorCode } from './errors'
export { KeyguardConfigError, KeyguardError, StoreUnavailableError } from './errors'
export { type ApiKeyContext, apiKeyGuard } from './guard/middleware'
export type { ApiKeyGuardOptions } from './guard/options'
export { type IpBlock, IpBlocker, type IpBlockOptions, ipBlockerFor } from './ip-block/ip-blocker'
export { ipGroup } from './ip-block/ip-group'
export { ensureAdminKey } from './keys/bootstrap'
export { type ClientToken, type ClientTokenOptions, ClientTokens } from './keys/client-tokens'
export { KeyManager, type KeyManagerOptions, type Page } from './keys/key-manager'
export { PlanManager, type PlanUpdateOptions } from './keys/plan-manager'
export {
  flushRequestLogs,
  RequestLogBatcher,
  type RequestLogOptions,
} from './request-log/request-logger'
export type { AuditLogCaps } from './store/audit-caps'
export { defaultStore } from './store/default-store'
export { MemoryStore, type MemoryStoreOptions } from './store/memory/memory-store'
export { RedisStore, type RedisStoreOptions } from './store/redis/redis-store'
export type { RequestLogCaps } from './store/request-log-caps'
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
} from './store/types'
export type { Outcome, Verdict, WindowState } from './store/verdict'
export { hashToken, mintToken, type ParsedToken, parseToken, type TokenType } from './token/format'
export type * from './types'
