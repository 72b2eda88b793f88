// What an audit record says changed: each field's `from` and `to`, with every secret redacted.

import type { AuditChanges } from '../store'
import { TOKEN_SHAPE } from '../token'

export const REDACTED = '[redacted]'

/** Field names whose values are never recorded, at any depth (user metadata included). */
const SECRET_NAME = /^(api_key|apikey|token|secret|password)$|hash/i
/** SHA-256 digests as keyguard stores them (base64) or as hex. */
const DIGEST_SHAPE = /[A-Za-z0-9+/]{43}=|\b[0-9a-fA-F]{64}\b/g
/** Nesting kept in a recorded value; deeper parts are replaced. */
const MAX_DEPTH = 32
/** Largest recorded value (as JSON); a larger one is replaced by a note of its size. */
const MAX_VALUE_CHARS = 4096

/** A value with every token, digest and secret-named field replaced by `[redacted]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(TOKEN_SHAPE, REDACTED).replace(DIGEST_SHAPE, REDACTED)
  }
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return '[too deep to record]'
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(value)) {
    out[redact(name) as string] = SECRET_NAME.test(name) ? REDACTED : redact(item, depth + 1)
  }
  return out
}

/** JSON with sorted keys, for comparing values; past the depth limit, never equal to anything. */
function canonical(value: unknown, depth = 0): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'undefined'
  if (depth >= MAX_DEPTH) return `\u0000deep${Math.random()}`
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, depth + 1)).join(',')}]`
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, depth + 1)}`).join(',')}}`
}

const isEmpty = (value: unknown): boolean =>
  value === null ||
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && Object.keys(value).length === 0)

function recordable(value: unknown): unknown {
  const clean = redact(value ?? null)
  const size = JSON.stringify(clean)?.length ?? 0
  return size > MAX_VALUE_CHARS ? `[too large to record: ${size} characters]` : clean
}

/**
 * The fields that differ between two versions of a record, redacted. `before` is null for a
 * creation (empty fields are left out), `after` null for a deletion.
 */
export function diffFields(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
  ignore: readonly string[] = [],
): AuditChanges {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])
  const changes: AuditChanges = {}
  for (const name of names) {
    if (ignore.includes(name) || SECRET_NAME.test(name)) continue
    const from = before?.[name] ?? null
    const to = after?.[name] ?? null
    if (before === null && isEmpty(to)) continue
    if (after === null && isEmpty(from)) continue
    if (canonical(from) === canonical(to)) continue
    changes[name] = { from: recordable(from), to: recordable(to) }
  }
  return changes
}
