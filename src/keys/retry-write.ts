// Compare-and-set retries: an admin write is read, computed and applied again when another landed first.

import { conflict } from '../errors'

/** What an attempt returns when its write found a newer version than the one it read. */
export const STALE: unique symbol = Symbol('stale')

/** Attempts before a write gives up with 409 CONFLICT. Two writers settle in two or three. */
export const MAX_WRITE_ATTEMPTS = 32

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `attempt` until it returns something other than STALE. After a few lost races it waits a
 * random few milliseconds, so writers that keep colliding drift apart.
 */
export async function retryStale<T>(
  what: string,
  attempt: () => Promise<T | typeof STALE>,
): Promise<T> {
  for (let n = 0; n < MAX_WRITE_ATTEMPTS; n++) {
    const result = await attempt()
    if (result !== STALE) return result
    if (n >= 2) await pause(Math.random() * Math.min(50, 2 ** n))
  }
  throw conflict(`${what} kept changing while this write was applied; retry it`, {
    attempts: MAX_WRITE_ATTEMPTS,
  })
}
