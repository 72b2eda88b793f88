// Admin API harness: a store per describe block (memory or Redis under a unique prefix), an admin key, an app.

import express, { type Express } from 'express'
import request from 'supertest'
import {
  type AdminRouterOptions,
  adminRouter,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
} from '../../src'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'

export const STORE_KINDS = ['memory', 'redis'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

export interface AdminHarness {
  readonly store: Store
  readonly keys: KeyManager
  /** A token with the admin scope. */
  readonly token: string
  /** `app.use(base, adminRouter({ store, ...options }))`. */
  app(options?: Omit<AdminRouterOptions, 'store'>, base?: string): Express
  /** Errors the router's last-resort handler saw (property tests require none). */
  readonly unexpected: unknown[]
}

export function useAdmin(kind: StoreKind): AdminHarness {
  const prefix = uniquePrefix()
  const unexpected: unknown[] = []
  let store: Store | undefined
  let keys: KeyManager | undefined
  let token = ''

  beforeAll(async () => {
    store =
      kind === 'memory'
        ? new MemoryStore()
        : new RedisStore({ url: testRedisUrl(), prefix, commandTimeout: 5000 })
    keys = new KeyManager(store)
    token = (await keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })).data.api_key
  })
  afterAll(async () => {
    await store?.close()
    if (kind === 'redis') {
      const client = newClient()
      await cleanPrefix(client, prefix)
      client.disconnect()
    }
  })

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} exists only inside tests`)
    return value
  }
  return {
    get store() {
      return need(store, 'store')
    },
    get keys() {
      return need(keys, 'key manager')
    },
    get token() {
      return token
    },
    unexpected,
    app(options = {}, base = '/admin') {
      const app = express()
      app.use(
        base,
        adminRouter({
          onError: (error) => unexpected.push(error),
          ...options,
          store: need(store, 'store'),
        }),
      )
      return app
    },
  }
}

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch'

/** A request with the admin token, and a JSON body (any JSON value) when given. */
export function call(
  app: Express,
  method: Method,
  path: string,
  token: string,
  body?: unknown,
): request.Test {
  const test = request(app)[method](path).set('Authorization', `Bearer ${token}`)
  return body === undefined ? test : test.type('json').send(JSON.stringify(body))
}
