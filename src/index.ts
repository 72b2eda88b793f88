// Public entry point: re-exports only.

export { type NodeGuard, nodeGuard } from './adapters'
export type { AdminRouterOptions, OpenApiDocument, OpenApiOptions } from './admin'
export { adminRouter, openApiDocument } from './admin'
export type { AuditChanges, FieldChange } from './audit'
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
export type { ErrorCode } from './errors'
export { KeyguardConfigError, KeyguardError, StoreUnavailableError } from './errors'
export type {
  ApiKeyGuardOptions,
  GuardOptions,
  Refusal,
  Verifier,
  VerifyInput,
  VerifyResult,
} from './guard'
export { type ApiKeyContext, apiKeyGuard, createVerifier } from './guard'
export { type IpBlock, IpBlocker, type IpBlockOptions, ipBlockerFor, ipGroup } from './ip-block'
export {
  type ClientToken,
  type ClientTokenOptions,
  ClientTokens,
  type CreditsBalance,
  type CreditsInput,
  ensureAdminKey,
  KeyManager,
  type KeyManagerOptions,
  type Page,
  PlanManager,
  type PlanUpdateOptions,
  type UserCreateInput,
  type UserEdited,
  UserManager,
  type UserUpdateInput,
  type ValidationDetails,
} from './keys'
export {
  flushRequestLogs,
  RequestLogBatcher,
  type RequestLogOptions,
} from './request-log'
export type {
  AdminStore,
  AuditLogCaps,
  CreditsOp,
  CreditsOutcome,
  CreditsWrite,
  DataLossEvent,
  DataLossStatus,
  DeleteOutcome,
  GuardStore,
  KeyRecord,
  KeyWrite,
  LoadedKey,
  Outcome,
  RequestLogCaps,
  Store,
  StoredKey,
  StoredUser,
  UserStore,
  UserWriteOutcome,
  Verdict,
  VerifyRequest,
  VersionedPlan,
  VersionedUser,
  WindowState,
  WriteOutcome,
} from './store'
export {
  defaultStore,
  MemoryStore,
  type MemoryStoreOptions,
  RedisStore,
  type RedisStoreOptions,
  StoreDataLostError,
} from './store'
export {
  type KeyguardEvent,
  type KeyguardEventListener,
  type Logger,
  onKeyguardEvent,
  type VerdictEvent,
} from './telemetry'
export { hashToken, mintToken, type ParsedToken, parseToken, type TokenType } from './token'
export type * from './types'
