// The whole matrix: token type (sk, pat, ct) × key scopes × route, against an oracle written here.

import express, { type Express } from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard } from '../../src'
import { useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

type TokenType = 'sk' | 'pat' | 'ct'
const TYPES: TokenType[] = ['sk', 'pat', 'ct']
const KEY_SCOPES: string[][] = [[], ['keys:read'], ['keys:*'], ['*'], ['admin']]
const ROUTES = [
  { name: 'no scopes', path: '/open', scopes: [] as string[] },
  { name: 'keys:read', path: '/read', scopes: ['keys:read'] },
  { name: 'keys:write', path: '/write', scopes: ['keys:write'] },
  { name: 'billing:read', path: '/billing', scopes: ['billing:read'] },
  { name: 'the admin API', path: '/admin/keys', scopes: ['admin'], admin: true },
]

/** The oracle's scope rule: `*` grants everything, `a:*` grants `a:…`, else an exact match. */
function holds(held: readonly string[], need: string): boolean {
  if (held.includes('*') || held.includes(need)) return true
  const parts = need.split(':')
  for (let i = 1; i < parts.length; i++) {
    if (held.includes(`${parts.slice(0, i).join(':')}:*`)) return true
  }
  return false
}

/** A client token minted with no scopes named: its parent's, less any granting admin. */
const ctScopes = (parent: readonly string[]): string[] =>
  parent.filter((s) => s !== 'admin' && s !== '*')

function expected(type: TokenType, scopes: string[], route: (typeof ROUTES)[number]): number {
  // The admin API: scope admin (or *), and never a client token.
  if (route.admin) return type !== 'ct' && holds(scopes, 'admin') ? 200 : 403
  const own = type === 'ct' ? ctScopes(scopes) : scopes
  return route.scopes.every((need) => holds(scopes, need) && holds(own, need)) ? 200 : 403
}

const CASES = TYPES.flatMap((type) =>
  KEY_SCOPES.flatMap((scopes) =>
    ROUTES.map(
      (route) => [type, JSON.stringify(scopes), route.name, expected(type, scopes, route)] as const,
    ),
  ),
)

describe('the oracle', () => {
  it.each([
    ['sk', ['keys:*'], 'keys:write', 200],
    ['sk', ['keys:*'], 'billing:read', 403],
    ['pat', ['*'], 'billing:read', 200],
    ['ct', ['*'], 'billing:read', 403],
    ['ct', ['keys:*'], 'keys:write', 200],
    ['sk', ['admin'], 'keys:read', 403],
    ['sk', ['admin'], 'the admin API', 200],
    ['pat', ['*'], 'the admin API', 200],
    ['ct', ['admin'], 'the admin API', 403],
    ['pat', ['keys:*'], 'the admin API', 403],
    ['ct', [], 'no scopes', 200],
  ] as const)('agrees with hand-worked cases: %s %j on %s → %i', (type, scopes, route, status) => {
    const r = ROUTES.find((x) => x.name === route)
    if (!r) throw new Error(`no route ${route}`)
    expect(expected(type, [...scopes], r)).toBe(status)
  })

  it('expects both answers somewhere in every column', () => {
    for (const route of ROUTES) {
      const seen = new Set(CASES.filter((c) => c[2] === route.name).map((c) => c[3]))
      expect([route.name, seen.has(200)]).toEqual([route.name, true])
      if (route.scopes.length > 0) expect([route.name, seen.has(403)]).toEqual([route.name, true])
    }
  })
})

describe.each(STORE_KINDS)('scope matrix (%s store)', (kind) => {
  const c = useStore(kind)
  const tokens = new Map<string, string>()
  let app: Express

  beforeAll(async () => {
    app = express()
    for (const route of ROUTES) {
      if (route.admin) continue
      app.get(route.path, apiKeyGuard({ store: c.store, scopes: route.scopes }), (req, res) => {
        res.json({ apiKey: req.apiKey })
      })
    }
    app.use('/admin', adminRouter({ store: c.store }))
    for (const scopes of KEY_SCOPES) {
      const label = JSON.stringify(scopes)
      const sk = (await c.keys.create({ name: `sk ${label}`, scopes })).data
      const pat = (await c.keys.create({ name: `pat ${label}`, type: 'pat', scopes })).data
      tokens.set(`sk ${label}`, sk.api_key)
      tokens.set(`pat ${label}`, pat.api_key)
      tokens.set(`ct ${label}`, (await c.keys.tokens.create({ key_id: sk.id })).data.token)
    }
  })

  it.each(CASES)(
    '%s with key scopes %s on a route needing %s → %i',
    async (type, label, name, status) => {
      const route = ROUTES.find((r) => r.name === name)
      const token = tokens.get(`${type} ${label}`)
      if (!route || !token) throw new Error('no such case')
      const res = await request(app).get(route.path).set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(status)
      if (status === 403) {
        expect(res.body).toEqual({ error: 'Insufficient permissions', code: 'INSUFFICIENT_SCOPE' })
      } else if (route.admin) {
        expect(Array.isArray(res.body.data)).toBe(true)
      } else {
        const scopes = JSON.parse(label) as string[]
        expect(res.body.apiKey.token_type).toBe(type)
        expect(res.body.apiKey.scopes).toEqual(type === 'ct' ? ctScopes(scopes) : scopes)
      }
    },
  )
})
