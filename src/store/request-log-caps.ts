// How many logged requests a store keeps per key, by count and by age: options, defaults, validation.

import { z } from 'zod'
import { validateOptions } from '../validation'

export interface RequestLogCaps {
  /** Requests kept per key, newest first. Defaults to 1000. */
  maxEntries?: number
  /** Requests older than this many seconds are dropped. Defaults to 30 days (2592000). */
  maxAgeSeconds?: number
}

export const DEFAULT_MAX_ENTRIES = 1000
export const DEFAULT_MAX_AGE_SECONDS = 30 * 86400

const capsSchema = z.strictObject({
  maxEntries: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(1_000_000, 'must be at most 1000000')
    .default(DEFAULT_MAX_ENTRIES),
  maxAgeSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be 1 or more')
    .max(10 * 365 * 86400, 'must be at most 10 years')
    .default(DEFAULT_MAX_AGE_SECONDS),
})

export type ResolvedRequestLogCaps = z.infer<typeof capsSchema>

export function resolveRequestLogCaps(
  what: string,
  input: RequestLogCaps | undefined,
): ResolvedRequestLogCaps {
  return validateOptions(`${what} requestLog`, capsSchema, input)
}
