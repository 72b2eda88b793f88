// The expiry rule of key writes: an `expires_at` before the store's clock is refused, not stored as already expired.

import { validationError } from '../errors'

/**
 * Refuses an `expires_at` strictly before `nowMs` (the store's clock when the write is computed).
 * One equal to now is accepted: the key is expired from that very millisecond, as the guard checks
 * `now >= expires_at`. An update that sends back the value the key has already changes nothing, so
 * it is accepted even once that moment has passed.
 */
export function refusePastExpiry(
  expiresAt: string | null | undefined,
  nowMs: number,
  stored: string | null = null,
): void {
  if (expiresAt === null || expiresAt === undefined) return
  const at = Date.parse(expiresAt)
  if (stored !== null && at === Date.parse(stored)) return
  if (at < nowMs) {
    throw validationError(
      'expires_at',
      `must not be in the past: it is ${new Date(at).toISOString()}, and the store's clock says ${new Date(nowMs).toISOString()}; to stop a key now, deactivate or revoke it`,
    )
  }
}
