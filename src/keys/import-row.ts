// One row of a key import: Limitly's and Unkey's field names mapped onto keyguard's, then checked.

import { z } from 'zod'
import { keyCreateSchema } from './schemas'

/** Most rows one `POST /keys/import` (or one `KeyManager.import` call) takes. */
export const IMPORT_MAX_ROWS = 1000

/** The name an imported key gets when its row has none (Unkey's keys may have none). */
export const IMPORTED_KEY_NAME = 'Imported key'

/** Informational fields of Limitly's and Unkey's exports that keyguard does not keep: dropped. */
const DROPPED = [
  'last_used_at',
  'updated_at',
  'user',
  'plan',
  'start',
  'prefix',
  'apiId',
  'workspaceId',
  'createdAt',
]

/** Unkey's camelCase names → keyguard's (`ownerId`/`externalId` → `user_id`, `meta` → `metadata`). */
const RENAMED: Record<string, string> = {
  key: 'api_key',
  ownerId: 'user_id',
  owner_id: 'user_id',
  externalId: 'user_id',
  external_id: 'user_id',
  meta: 'metadata',
}

const hashText = z.string().trim().min(1, 'must be a SHA-256 hash, hex or base64').max(200)

export const importRowSchema = keyCreateSchema.omit({ type: true, name: true }).extend({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  api_key: z.string({ error: 'must be a string: the plaintext key' }).optional(),
  hash: z
    .union(
      [hashText, z.strictObject({ value: hashText, variant: z.string().max(40).optional() })],
      {
        error: 'must be a SHA-256 hash as a string (hex or base64), or {value, variant}',
      },
    )
    .optional(),
  created_at: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date')
    .optional(),
  /** Limitly's id of the key (or any id of the old system): kept as `metadata.source_id`. */
  id: z.union([z.string().min(1).max(200), z.number()]).optional(),
})

export type ImportRow = z.infer<typeof importRowSchema>

/** An issue with a row: the field it is about (when one) and what is wrong. */
export interface RowIssue {
  field?: string
  message: string
}

/**
 * Maps aliases onto keyguard's names: Unkey's `key`, `ownerId`, `meta`, `expires` (ms), `enabled`,
 * and drops informational export fields. An alias given beside its own name is an issue.
 */
export function normalizeRow(
  raw: Record<string, unknown>,
): { row: Record<string, unknown> } | { issue: RowIssue } {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(raw)) {
    if (DROPPED.includes(field)) continue
    if (field === 'expires') {
      if (value === null) continue
      if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 8.64e15) {
        return {
          issue: {
            field,
            message: 'must be a time in ms since the epoch (Unkey), or use expires_at',
          },
        }
      }
      if (!set(out, 'expires_at', new Date(value).toISOString())) {
        return { issue: { field, message: 'give expires or expires_at, not both' } }
      }
      continue
    }
    if (field === 'enabled') {
      if (typeof value !== 'boolean') return { issue: { field, message: 'must be true or false' } }
      if (!set(out, 'status', value ? 'active' : 'inactive')) {
        return { issue: { field, message: 'give enabled or status, not both' } }
      }
      continue
    }
    const name = RENAMED[field] ?? field
    if (!set(out, name, value)) {
      return { issue: { field, message: `give ${field} or ${name}, not both` } }
    }
  }
  return { row: out }
}

/** Sets a field once; false when it is already set (an alias and its name both given). */
function set(out: Record<string, unknown>, field: string, value: unknown): boolean {
  if (Object.hasOwn(out, field)) return false
  out[field] = value
  return true
}

const HEX = /^[0-9a-fA-F]{64}$/
const BASE64 = /^[A-Za-z0-9+/]{43}=?$/
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/

/** A SHA-256 given as hex (Unkey's exports, `sha256sum`) or base64 (`{value, variant: "sha256_base64"}`), as base64. */
export function canonicalHash(hash: ImportRow['hash']): string | RowIssue {
  const value = typeof hash === 'string' ? hash : (hash?.value ?? '')
  const variant = typeof hash === 'object' ? hash.variant : undefined
  const field = typeof hash === 'object' ? 'hash.value' : 'hash'
  if (variant !== undefined && variant !== 'sha256_base64' && variant !== 'sha256_hex') {
    return { field: 'hash.variant', message: 'must be "sha256_base64" or "sha256_hex"' }
  }
  if (HEX.test(value) && variant !== 'sha256_base64') {
    return Buffer.from(value, 'hex').toString('base64')
  }
  if ((BASE64.test(value) || BASE64URL.test(value)) && variant !== 'sha256_hex') {
    const bytes = Buffer.from(value, BASE64.test(value) ? 'base64' : 'base64url')
    if (bytes.length === 32) return bytes.toString('base64')
  }
  return {
    field,
    message:
      'must be the SHA-256 of the key: 64 hex characters, or 44 base64 characters (43 without the "=")',
  }
}

/** The body of `POST /keys/import`, for the OpenAPI document (rows are checked one by one). */
export const importBodySchema = z.strictObject({
  keys: z.array(importRowSchema).min(1).max(IMPORT_MAX_ROWS),
})
