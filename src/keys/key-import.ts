// Imports existing keys (plaintext or SHA-256): bad rows are reported by line, good ones land, re-runs skip.

import { validationError } from '../errors'
import { effectiveLimits } from '../limits'
import type { AdminStore, VersionedPlan, VersionedUser } from '../store'
import { recordFields, secretFields } from '../store'
import {
  derivedKeyId,
  FOREIGN_TOKEN_MAX,
  FOREIGN_TOKEN_MIN,
  hashToken,
  isForeignToken,
  parseToken,
  TAG_LENGTH,
  tagFor,
} from '../token'
import type { ApiKey } from '../types'
import {
  canonicalHash,
  IMPORT_MAX_ROWS,
  IMPORTED_KEY_NAME,
  type ImportRow,
  importRowSchema,
  normalizeRow,
  type RowIssue,
} from './import-row'
import { syncKeyToPlan } from './plan-sync'
import { spreadUserFlag, syncInheritedKey } from './user-sync'

/** Key writes in flight at once (pipelined on Redis). */
const CONCURRENT_WRITES = 50

/** A row that could not be imported: its line (1-based; a JSON body's index + 1), field and why. */
export interface ImportError {
  line: number
  field?: string
  message: string
}

/** What an import did: keys created, rows skipped (the key exists already), rows refused. */
export interface ImportReport {
  created: number
  skipped: number
  errors: ImportError[]
}

/** A row read from a file or a body: its line and value, or why the line could not be read. */
export type NumberedRow =
  | { line: number; value: unknown }
  | { line: number; error: string; field?: string }

/**
 * What several import calls of one file share: which key each line brought (a later line with the
 * same key is a duplicate), and the plans and users already read.
 */
export class ImportSession {
  readonly seen = new Map<string, number>()
  readonly plans = new Map<string, VersionedPlan | null>()
  readonly users = new Map<string, VersionedUser | null>()
}

interface Prepared {
  line: number
  key: Omit<ApiKey, 'last_used_at'>
  hash: string
  /** The plan its limits come from: its own, else its user's. */
  plan: VersionedPlan | null
  /** The key's user, when the user exists (its disabled flag reaches the key's hash tag). */
  user: VersionedUser | null
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The rows of a `POST /keys/import` body: `{"keys": [rows]}` (or a bare array), line = index + 1. */
export function rowsOfBody(input: unknown): NumberedRow[] {
  const keys =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>).keys
      : input
  const extra =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? Object.keys(input).filter((k) => k !== 'keys')
      : []
  if (extra.length > 0) {
    throw validationError(extra.join(','), 'unknown field: the body is {"keys": [rows]}')
  }
  if (!Array.isArray(keys)) {
    throw validationError('keys', 'must be an array of key rows: {"keys": [{"api_key": "…"}]}')
  }
  if (keys.length === 0) throw validationError('keys', 'must hold at least one row')
  if (keys.length > IMPORT_MAX_ROWS) {
    throw validationError(
      'keys',
      `holds ${keys.length} rows; at most ${IMPORT_MAX_ROWS} per request (split the file; keyguard keys import does)`,
    )
  }
  return keys.map((value, index) => ({ line: index + 1, value }))
}

/** Imports rows: the report, and the keys it created (for the audit trail). */
export async function importRows(
  store: AdminStore,
  prefix: string,
  rows: readonly NumberedRow[],
  session: ImportSession = new ImportSession(),
): Promise<{ report: ImportReport; created: ApiKey[] }> {
  const report: ImportReport = { created: 0, skipped: 0, errors: [] }
  const created: ApiKey[] = []
  const nowMs = await store.now()
  const ready: Prepared[] = []
  for (const row of rows) {
    const prepared = await prepare(store, prefix, row, session, nowMs)
    if ('message' in prepared) report.errors.push({ line: row.line, ...prepared })
    else ready.push(prepared)
  }
  for (let i = 0; i < ready.length; i += CONCURRENT_WRITES) {
    const slice = ready.slice(i, i + CONCURRENT_WRITES)
    const landed = await Promise.all(slice.map((p) => write(store, p)))
    slice.forEach((p, j) => {
      if (landed[j]) {
        report.created++
        created.push({ ...p.key, last_used_at: null })
      } else report.skipped++
    })
  }
  await resyncPlans(store, created, ready)
  report.errors.sort((a, b) => a.line - b.line)
  return { report, created }
}

/** Writes one key if its id is new; false when it exists (an earlier import, or the same key). */
async function write(store: AdminStore, p: Prepared): Promise<boolean> {
  const { key, plan } = p
  const tag = key.id.slice(0, TAG_LENGTH)
  // Set before the key exists, so a disabled user's key never works for a moment.
  if (p.user?.user.is_disabled) await store.setUserDisabled(tag, true)
  const outcome = await store.writeKey({
    id: key.id,
    expect: 'new',
    record: key,
    fields: {
      ...secretFields(p.hash, null),
      ...recordFields(key, effectiveLimits(key, plan?.plan ?? null), plan?.version ?? 0),
    },
  })
  if (!outcome.ok) return false
  await store.indexKey(key.id, key.plan_id, null)
  if (key.user_id !== null && key.plan_id === null) await syncInheritedKey(store, key.id)
  // An imported key lives in its own hash tag, not its user's: the user's flag is written there,
  // and again if a user edit raced with this import (as a user edit does for its keys' tags).
  if (p.user !== null && tag !== tagFor(String(key.user_id))) {
    await spreadUserFlag(store, String(key.user_id), p.user, [tag])
  }
  return true
}

/** A plan edited while the import ran: its new keys get its current limits (as `create` does). */
async function resyncPlans(
  store: AdminStore,
  created: readonly ApiKey[],
  ready: readonly Prepared[],
): Promise<void> {
  const used = new Map<string, number>()
  for (const p of ready)
    if (p.plan && p.key.plan_id !== null) used.set(p.key.plan_id, p.plan.version)
  for (const [planId, version] of used) {
    const current = await store.loadPlan(planId)
    if (!current || current.version === version) continue
    for (const key of created) if (key.plan_id === planId) await syncKeyToPlan(store, key.id)
  }
}

/** Checks one row and works out its key: the record to write, or the issue that refuses it. */
async function prepare(
  store: AdminStore,
  prefix: string,
  row: NumberedRow,
  session: ImportSession,
  nowMs: number,
): Promise<Prepared | RowIssue> {
  if ('error' in row) return { ...(row.field ? { field: row.field } : {}), message: row.error }
  const { value } = row
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { message: 'must be a JSON object, e.g. {"api_key": "…", "name": "…"}' }
  }
  const normalized = normalizeRow(value as Record<string, unknown>)
  if ('issue' in normalized) return normalized.issue
  const parsed = importRowSchema.safeParse(normalized.row)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field =
      issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(',') : '')
    return { ...(field ? { field } : {}), message: issue?.message ?? 'Invalid row' }
  }
  const body = parsed.data
  const secret = secretOf(body, prefix)
  if ('message' in secret) return secret
  const earlier = session.seen.get(secret.id)
  if (earlier !== undefined) {
    return { field: secret.field, message: `the same key as line ${earlier}` }
  }
  if (body.expires_at && Date.parse(body.expires_at) <= nowMs) {
    return { field: 'expires_at', message: 'is in the past: the key would never work' }
  }
  const own = await planOf(store, body.plan_id ?? null, session)
  if (own === undefined) {
    return {
      field: 'plan_id',
      message: `no plan "${body.plan_id}": create it first (POST /plans, keyguard plans create)`,
    }
  }
  if (own?.plan.is_active === false) {
    return { field: 'plan_id', message: `plan "${own.plan.id}" is inactive: activate it first` }
  }
  const userId = body.user_id ?? null
  const user = userId === null ? null : await userOf(store, String(userId), session)
  // A plan-less key takes its user's plan, read through the same per-import cache.
  const plan = own ?? (await planOf(store, user?.user.plan_id ?? null, session)) ?? null
  session.seen.set(secret.id, row.line)
  const metadata = { ...(body.metadata ?? {}) }
  if (body.id !== undefined && !Object.hasOwn(metadata, 'source_id')) {
    metadata.source_id = String(body.id)
  }
  const now = iso(nowMs)
  return {
    line: row.line,
    hash: secret.hash,
    plan,
    user,
    key: {
      id: secret.id,
      type: secret.type,
      name: body.name ?? IMPORTED_KEY_NAME,
      user_id: userId,
      plan_id: body.plan_id ?? null,
      status: body.status ?? 'active',
      category: body.category ?? null,
      scopes: body.scopes ?? [],
      metadata,
      expires_at: body.expires_at ? iso(Date.parse(body.expires_at)) : null,
      quotas: body.quotas ?? {},
      rate: body.rate ?? {},
      created_at: body.created_at ? iso(Date.parse(body.created_at)) : now,
      updated_at: now,
    },
  }
}

interface Secret {
  id: string
  hash: string
  type: ApiKey['type']
  field: 'api_key' | 'hash'
}

/**
 * The key's id and stored hash. A plaintext keyguard token keeps the id it carries; any other key
 * gets the id derived from its SHA-256, which is what the guard computes when it sees the token.
 */
function secretOf(body: ImportRow, prefix: string): Secret | RowIssue {
  const { api_key: plain, hash } = body
  if (plain !== undefined && hash !== undefined) {
    return { field: 'hash', message: 'give api_key (the key) or hash (its SHA-256), not both' }
  }
  if (hash !== undefined) {
    const canonical = canonicalHash(hash)
    if (typeof canonical !== 'string') return canonical
    return { id: derivedKeyId(canonical), hash: canonical, type: 'sk', field: 'hash' }
  }
  if (plain === undefined) {
    return { field: 'api_key', message: 'give the key: api_key (plaintext) or hash (its SHA-256)' }
  }
  const native = parseToken(plain, prefix)
  if (native !== null) {
    if (native.type === 'ct') {
      return { field: 'api_key', message: 'is a client token (short-lived): mint new ones instead' }
    }
    return { id: native.id, hash: hashToken(plain), type: native.type, field: 'api_key' }
  }
  if (!isForeignToken(plain, prefix))
    return { field: 'api_key', message: whyNotForeign(plain, prefix) }
  const secretHash = hashToken(plain)
  return { id: derivedKeyId(secretHash), hash: secretHash, type: 'sk', field: 'api_key' }
}

/** Why the guard would refuse this key without looking it up. */
function whyNotForeign(key: string, prefix: string): string {
  if (key.length < FOREIGN_TOKEN_MIN || key.length > FOREIGN_TOKEN_MAX) {
    return `must be ${FOREIGN_TOKEN_MIN} to ${FOREIGN_TOKEN_MAX} characters long`
  }
  if (key.startsWith(`${prefix}_`)) {
    return `starts like a keyguard token ("${prefix}_…") but is not a valid one (checksum): the guard refuses it unread`
  }
  if (/^[\x21-\x7e]+$/.test(key)) {
    return 'is a keyguard token of another prefix: import it with that token prefix'
  }
  return 'must be printable ASCII, with no spaces'
}

/** The plan, null for none, undefined when it does not exist; read once per import. */
async function planOf(
  store: AdminStore,
  planId: string | null,
  session: ImportSession,
): Promise<VersionedPlan | null | undefined> {
  if (planId === null) return null
  if (!session.plans.has(planId)) session.plans.set(planId, await store.loadPlan(planId))
  return session.plans.get(planId) ?? undefined
}

/** The key's user, null when there is no such user record; read once per import. */
async function userOf(
  store: AdminStore,
  userId: string,
  session: ImportSession,
): Promise<VersionedUser | null> {
  if (!session.users.has(userId)) session.users.set(userId, await store.loadUser(userId))
  return session.users.get(userId) ?? null
}
