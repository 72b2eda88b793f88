// A store per describe block: MemoryStore, or RedisStore under a unique prefix whose keys go afterwards.

import { KeyManager, MemoryStore, RedisStore, type Store } from '../../src'
import { deletePrefix, testRedisUrl, uniquePrefix } from './redis'

export const STORE_KINDS = ['memory', 'redis'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

/** A mutable clock, in ms since the epoch, injected into the store. */
export class TestClock {
  constructor(public ms = Date.parse('2026-03-04T10:30:00Z')) {}
  now = (): number => this.ms
  set(at: string | number): void {
    this.ms = typeof at === 'string' ? Date.parse(at) : at
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

export interface StoreOptions {
  /** A test clock; without one, MemoryStore reads Date.now and RedisStore reads Redis TIME. */
  clock?: () => number
  /** RedisStore's commandTimeout (MemoryStore has none). */
  commandTimeout?: number
}

export interface OpenStore {
  /** The RedisStore's key prefix (unused by MemoryStore). */
  readonly prefix: string
  readonly store: Store
  readonly keys: KeyManager
}

/** Opens the store in beforeAll; afterAll closes it, then deletes every key under its prefix. */
export function useStoreOf(kind: StoreKind, options: StoreOptions = {}): OpenStore {
  const prefix = uniquePrefix()
  const { clock, commandTimeout } = options
  let store: Store | undefined
  let keys: KeyManager | undefined

  beforeAll(() => {
    store =
      kind === 'memory'
        ? new MemoryStore({ ...(clock ? { clock } : {}) })
        : new RedisStore({
            url: testRedisUrl(),
            prefix,
            ...(clock ? { clock } : {}),
            ...(commandTimeout === undefined ? {} : { commandTimeout }),
          })
    keys = new KeyManager(store)
  })
  afterAll(async () => {
    await store?.close()
    if (kind === 'redis') await deletePrefix(prefix)
  })

  return {
    prefix,
    get store() {
      return need(store, 'store')
    },
    get keys() {
      return need(keys, 'key manager')
    },
  }
}

/** `value`, which a beforeAll sets: it exists only inside tests. */
function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the ${what} exists only inside tests`)
  return value
}
