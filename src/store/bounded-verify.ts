// Which stores bound `verify(request, timeoutMs)` themselves: the guard then adds no timer of its own.

import type { Store } from './types'

/** Verify methods known to honour their timeout (RedisStore) or to never wait on I/O (MemoryStore). */
const SELF_BOUNDED = new WeakSet<Store['verify']>()

export function markSelfBounded(verify: Store['verify']): void {
  SELF_BOUNDED.add(verify)
}

/** By the method itself, not the store's class: a wrapped or overridden verify gets the guard's timer. */
export function isSelfBounded(verify: Store['verify']): boolean {
  return SELF_BOUNDED.has(verify)
}
