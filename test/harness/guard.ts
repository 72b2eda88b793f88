// Conformance harness: a store per describe block on a test clock, and an app with GET /r behind the guard.

import express, { type Express } from 'express'
import request from 'supertest'
import { type ApiKeyGuardOptions, apiKeyGuard, type KeyManager, type Store } from '../../src'
import { type StoreKind, TestClock, useStoreOf } from './stores'

export interface Conformance {
  readonly kind: StoreKind
  readonly clock: TestClock
  readonly store: Store
  readonly keys: KeyManager
  /** An app with `GET /r` behind `apiKeyGuard({ store, ...options })`, answering `req.apiKey`. */
  app(options?: Omit<ApiKeyGuardOptions, 'store'>, store?: Store): Express
}

/** Creates the store for one `describe` block and cleans what it wrote afterwards. */
export function useStore(kind: StoreKind): Conformance {
  const clock = new TestClock()
  const opened = useStoreOf(kind, { clock: clock.now })
  return {
    kind,
    clock,
    get store() {
      return opened.store
    },
    get keys() {
      return opened.keys
    },
    app(options = {}, own?: Store) {
      const app = express()
      app.get('/r', apiKeyGuard({ store: own ?? opened.store, ...options }), (req, res) => {
        res.json({ ok: true, apiKey: req.apiKey ?? null })
      })
      return app
    },
  }
}

/** `GET /r` with the token as `Authorization: Bearer`. */
export function call(app: Express, token: string, query = ''): request.Test {
  return request(app).get(`/r${query}`).set('Authorization', `Bearer ${token}`)
}

/** Sends `n` requests one after another and returns their statuses. */
export async function statuses(app: Express, token: string, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await call(app, token)).status)
  return out
}
