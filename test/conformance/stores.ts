// Conformance harness: the same suite runs on MemoryStore and RedisStore, with a test clock.

import express, { type Express } from 'express'
import request from 'supertest'
import {
  type ApiKeyGuardOptions,
  apiKeyGuard,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
} from '../../src'
import { cleanPrefix, newClient, testRedisUrl, uniquePrefix } from '../harness/redis'

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
  const prefix = uniquePrefix()
  let store: Store | undefined
  let keys: KeyManager | undefined

  beforeAll(() => {
    store =
      kind === 'memory'
        ? new MemoryStore({ clock: clock.now })
        : new RedisStore({ url: testRedisUrl(), prefix, clock: clock.now })
    keys = new KeyManager(store)
  })
  afterAll(async () => {
    if (kind === 'redis') {
      const client = newClient()
      await cleanPrefix(client, prefix)
      client.disconnect()
    }
    await store?.close()
  })

  const current = (): Store => {
    if (!store) throw new Error('the store exists only inside tests')
    return store
  }
  return {
    kind,
    clock,
    get store() {
      return current()
    },
    get keys() {
      if (!keys) throw new Error('the key manager exists only inside tests')
      return keys
    },
    app(options = {}, own?: Store) {
      const app = express()
      app.get('/r', apiKeyGuard({ store: own ?? current(), ...options }), (req, res) => {
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

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
