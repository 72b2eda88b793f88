// How many audit records a store keeps (a capped stream): option, default, validation.

import { z } from 'zod'
import { validateOptions } from '../validation'

export interface AuditLogCaps {
  /** Audit records kept, newest first; older ones are dropped. Defaults to 10000. */
  maxEntries?: number
}

export const DEFAULT_AUDIT_MAX_ENTRIES = 10_000

const capsSchema = z.strictObject({
  maxEntries: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(1_000_000, 'must be at most 1000000')
    .default(DEFAULT_AUDIT_MAX_ENTRIES),
})

export type ResolvedAuditLogCaps = z.infer<typeof capsSchema>

export function resolveAuditLogCaps(
  what: string,
  input: AuditLogCaps | undefined,
): ResolvedAuditLogCaps {
  return validateOptions(`${what} auditLog`, capsSchema, input)
}
