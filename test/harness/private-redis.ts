// A private redis-server per describe block, with an admin client and RedisStores on it, all closed after.

import type { Redis } from 'ioredis'
import { KeyManager, RedisStore } from '../../src'
import { newClient, uniquePrefix } from './redis'
import { type RedisServer, startRedisServer } from './redis-server'

export interface PrivateRedisOptions {
  /** Extra redis-server arguments. */
  args?: string[]
  /** Open `store` and `keys` in beforeAll (default true); `storeOn` works either way. */
  store?: boolean
}

export interface PrivateRedis {
  readonly server: RedisServer
  /** A client of the test's own, for INFO, MONITOR, SCRIPT and the like. */
  readonly admin: Redis
  /** The block's RedisStore, under a unique prefix. */
  readonly store: RedisStore
  readonly keys: KeyManager
  /** Another RedisStore on the server, under `prefix`, closed after the block. */
  storeOn(prefix: string): RedisStore
}

/**
 * For tests that read or reset the server's statistics, flush its scripts or stop it.
 * Starts the server in beforeAll; afterAll resumes it (if a test paused it), closes every store
 * opened on it, then the admin client, then stops it. A test's own afterAll that must run before
 * (e.g. closing a client of its own) is declared before this call: afterAll hooks run in order.
 */
export function usePrivateRedis(options: PrivateRedisOptions = {}): PrivateRedis {
  let server: RedisServer | undefined
  let admin: Redis | undefined
  let main: { store: RedisStore; keys: KeyManager } | undefined
  const opened: RedisStore[] = []

  const storeOn = (prefix: string): RedisStore => {
    const store = new RedisStore({ url: need(server, 'server').url, prefix })
    opened.push(store)
    return store
  }

  beforeAll(async () => {
    server = await startRedisServer(options.args)
    if (options.store !== false) {
      const store = storeOn(uniquePrefix())
      main = { store, keys: new KeyManager(store) }
    }
    admin = newClient(server.url)
  })
  afterAll(async () => {
    server?.resume()
    for (const store of opened) await store.close()
    admin?.disconnect()
    await server?.stop()
  })

  return {
    get server() {
      return need(server, 'server')
    },
    get admin() {
      return need(admin, 'admin client')
    },
    get store() {
      return need(main, 'store').store
    },
    get keys() {
      return need(main, 'store').keys
    },
    storeOn,
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the private Redis ${what} exists only inside tests`)
  return value
}
