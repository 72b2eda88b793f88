// Admin API harness: a store per describe block with an admin token, an app with adminRouter, admin calls.

import express, { type Express } from 'express'
import request from 'supertest'
import { type AdminRouterOptions, adminRouter, type KeyManager, type Store } from '../../src'
import { type StoreKind, useStoreOf } from './stores'

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
  const opened = useStoreOf(kind, { commandTimeout: 5000 })
  const unexpected: unknown[] = []
  let token = ''

  beforeAll(async () => {
    const admin = await opened.keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })
    token = admin.data.api_key
  })

  return {
    get store() {
      return opened.store
    },
    get keys() {
      return opened.keys
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
          store: opened.store,
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
