// The process-wide default store: RedisStore on REDIS_URL when set, else one shared MemoryStore.

import { MemoryStore } from './memory/memory-store'
import { RedisStore } from './redis/redis-store'
import type { Store } from './types'

let shared: Store | undefined

export function defaultStore(): Store {
  if (!shared) {
    shared = process.env.REDIS_URL
      ? new RedisStore({ url: process.env.REDIS_URL })
      : new MemoryStore()
  }
  return shared
}
