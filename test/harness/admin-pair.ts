// Two admin endpoints over one store, for the admin race tests.

import type { AddressInfo } from 'node:net'
import express from 'express'
import { adminRouter, apiKeyGuard, KeyguardError, type KeyManager, type Store } from '../../src'
import { type AppProcesses, startAppProcesses } from './app-processes'
import { testRedisUrl } from './redis'
import { type StoreKind, useStoreOf } from './stores'

export type PairKind = StoreKind

export interface Answer {
  status: number
  body: { data?: Record<string, unknown> & { api_key?: string }; code?: string }
  etag: string | null
}

export interface AdminPair {
  /** The store, seen from the test process (same Redis prefix as the app processes). */
  readonly store: Store
  readonly keys: KeyManager
  /** `send(0 | 1, method, path, body?, headers?)`: an admin call to one of the two endpoints. */
  send(
    side: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer>
  /** The guard's answer to a token on a protected route (status and code). */
  verify(token: string): Promise<{ status: number; code?: string }>
}

const guardOptions = { timeout: 5000, requestLog: false, ipBlock: false } as const

/**
 * Starts the endpoints in beforeAll and stops them in afterAll. On Redis: two app processes. On
 * MemoryStore: KeyManager calls made at once in this process (over HTTP they would run one after the
 * other: nothing in them waits).
 */
export function useAdminPair(kind: PairKind): AdminPair {
  let apps: AppProcesses | undefined
  let server: ReturnType<express.Express['listen']> | undefined
  let urls: string[] = []
  let admin = ''

  // Declared before the store's hooks, so that the endpoints stop before the store closes.
  afterAll(async () => {
    await apps?.stop()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  })
  const opened = useStoreOf(kind, { commandTimeout: 5000 })

  beforeAll(async () => {
    const { prefix, store } = opened
    if (kind === 'redis') {
      apps = await startAppProcesses(2, { redisUrl: testRedisUrl(), prefix, admin: true })
      urls = apps.urls
    } else {
      const app = express()
      app.get('/r', apiKeyGuard({ store, ...guardOptions }), (_req, res) => {
        res.json({ ok: true })
      })
      app.use('/admin', adminRouter({ store, guard: guardOptions }))
      server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server?.once('listening', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      urls = [url, url]
    }
    const created = await opened.keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })
    admin = created.data.api_key
  }, 30000)

  const url = (side: number): string => {
    const found = urls[side % urls.length]
    if (!found) throw new Error('the endpoints exist only inside tests')
    return found
  }
  return {
    get store() {
      return opened.store
    },
    get keys() {
      return opened.keys
    },
    async send(side, method, path, body, headers = {}) {
      if (kind === 'memory' && !headers['if-match'] && method !== 'GET') {
        return callKeyManager(this.keys, method, path, body)
      }
      const res = await fetch(`${url(side)}/admin${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const answer = (await res.json()) as Answer['body']
      return { status: res.status, body: answer, etag: res.headers.get('etag') }
    },
    async verify(token) {
      const res = await fetch(`${url(0)}/r`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await res.json()) as { code?: string }
      return { status: res.status, code: body.code }
    },
  }
}

/** The admin call as a direct KeyManager call, answered like the REST API. */
async function callKeyManager(
  keys: KeyManager,
  method: string,
  path: string,
  body: unknown,
): Promise<Answer> {
  const input = (body ?? {}) as never
  const [, resource, id, action] = path.split('/')
  const call = (): Promise<{ data: unknown }> => {
    if (resource === 'plans' && id === undefined) return keys.plans.create(input)
    if (resource === 'plans') return keys.plans.update(id as string, input)
    if (id === undefined) return keys.create(input)
    if (action === 'regenerate') return keys.regenerate(id, input)
    if (method === 'DELETE') return keys.delete(id)
    return keys.update(id, input)
  }
  try {
    const result = await call()
    const created = method === 'POST' && action === undefined
    return { status: created ? 201 : 200, body: result as Answer['body'], etag: null }
  } catch (error) {
    if (!(error instanceof KeyguardError)) throw error
    return { status: error.status, body: error.toJSON() as Answer['body'], etag: null }
  }
}
