// One IpBlocker per store: the guards and the admin API on a store share its counts and blocks.

import type { GuardStore } from '../store'
import { IpBlocker } from './ip-blocker'
import type { IpBlockOptions } from './options'

const REGISTRY = new WeakMap<GuardStore, IpBlocker>()

/**
 * The blocker of a store: guards and the admin API on one store share it. Options named by any
 * guard apply whatever the order the guards (and adminRouter) were created in; two guards naming
 * different ones is a configuration error, as they share one count per IP.
 */
export function ipBlockerFor(store: GuardStore, options: IpBlockOptions = {}): IpBlocker {
  const blocker = REGISTRY.get(store)
  if (!blocker) {
    const created = new IpBlocker(store, options)
    REGISTRY.set(store, created)
    return created
  }
  blocker.adopt(options)
  return blocker
}
