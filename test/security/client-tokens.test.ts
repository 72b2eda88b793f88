// Client tokens (kg_ct_…): minted from an sk key, short-lived, scoped, billed to the parent, never admin.

import express, { type Express } from 'express'
import request from 'supertest'
import { adminRouter, KeyManager, RedisStore } from '../../src'
import { crc32, hashToken, mintToken, newKeyId, parseToken, uint32ToBase62 } from '../../src/token'
import { call, useStore } from '../harness/guard'
import { newClient } from '../harness/redis'
import { HOUR, STORE_KINDS } from '../harness/stores'

const INVALID = { error: 'Invalid API Key', code: 'INVALID_API_KEY' }
const EXPIRED = { error: 'Expired API Key', code: 'EXPIRED_API_KEY' }
const SCOPE = { error: 'Insufficient permissions', code: 'INSUFFICIENT_SCOPE' }
const CT_SHAPE = /^kg_ct_[0-9A-Za-z]{48}$/

/** The same token body under another type, with a valid checksum: it parses, as that type. */
function relabel(token: string, type: 'sk' | 'pat' | 'ct'): string {
  const parsed = parseToken(token, 'kg')
  if (!parsed) throw new Error('not a token')
  const head = `kg_${type}_${token.slice(-48, -6)}`
  return head + uint32ToBase62(crc32(head))
}

/** Every admin route, with a body where it takes one. */
function adminRoutes(keyId: string): Array<[string, string, unknown?]> {
  return [
    ['get', '/admin/keys'],
    ['post', '/admin/keys', { name: 'Planted', scopes: ['admin'] }],
    ['get', `/admin/keys/${keyId}`],
    ['put', `/admin/keys/${keyId}`, { scopes: ['admin'] }],
    ['delete', `/admin/keys/${keyId}`],
    ['post', `/admin/keys/${keyId}/regenerate`, {}],
    ['get', `/admin/keys/${keyId}/usage`],
    ['get', `/admin/keys/${keyId}/requests`],
    ['get', '/admin/plans'],
    ['post', '/admin/plans', { id: 'planted', name: 'Planted' }],
    ['get', '/admin/plans/planted'],
    ['put', '/admin/plans/planted', { name: 'x' }],
    ['delete', '/admin/plans/planted'],
    ['get', '/admin/audit'],
    ['get', '/admin/ip-blocks'],
    ['delete', '/admin/ip-blocks/127.0.0.1'],
    ['post', '/admin/tokens', { key_id: keyId }],
    ['get', '/admin/no-such-route'],
  ]
}

function send(
  app: Express,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): request.Test {
  const agent = request(app) as unknown as Record<string, (p: string) => request.Test>
  let test = (agent[method] as (p: string) => request.Test)(path)
  if (token !== null) test = test.set('Authorization', `Bearer ${token}`)
  return body === undefined ? test : test.type('json').send(JSON.stringify(body))
}

describe.each(STORE_KINDS)('client tokens (%s store)', (kind) => {
  const c = useStore(kind)
  /** `GET /r` behind a guard requiring `scopes` (IP blocking off: this file sends many 401s). */
  const guarded = (scopes: string[] = []) => c.app({ ipBlock: false, scopes })
  let admin: Express
  let adminToken = ''
  beforeAll(async () => {
    admin = express().use('/admin', adminRouter({ store: c.store, guard: { ipBlock: false } }))
    adminToken = (await c.keys.create({ name: 'Admin', type: 'pat', scopes: ['admin'] })).data
      .api_key
  })
  const mint = async (keyId: string, extra: { ttl_seconds?: number; scopes?: string[] } = {}) =>
    (await c.keys.tokens.create({ key_id: keyId, ...extra })).data.token
  const status = async (token: string, scopes: string[] = []) =>
    (await call(guarded(scopes), token)).status

  describe('KeyManager.tokens.create', () => {
    it('mints a kg_ct_ token of the parent key, for 1 hour by default, without the admin scope', async () => {
      const { data: parent } = await c.keys.create({
        name: 'Backend',
        user_id: 'u-1',
        scopes: ['keys:read', 'billing:read', 'admin'],
      })
      const { data } = await c.keys.tokens.create({ key_id: parent.id })
      expect(data.token).toMatch(CT_SHAPE)
      expect(parseToken(data.token, 'kg')).toMatchObject({ type: 'ct', id: parent.id })
      expect(data.expires_at).toBe(new Date(c.clock.ms + HOUR).toISOString())
      expect(data.key_id).toBe(parent.id)
      expect(data.user_id).toBe('u-1')
      expect(data.scopes).toEqual(['keys:read', 'billing:read'])
      // Its secret is its own: nothing of the parent's token.
      expect(data.token.slice(-28, -6)).not.toBe(parent.api_key.slice(-28, -6))
      const again = (await c.keys.tokens.create({ key_id: parent.id })).data.token
      expect(again).not.toBe(data.token)
    })

    it('by user_id: the newest active sk key of that user', async () => {
      const user = `u-${kind}-newest`
      const older = (await c.keys.create({ name: 'Older', user_id: user })).data
      c.clock.advance(1000)
      const newer = (await c.keys.create({ name: 'Newer', user_id: user })).data
      c.clock.advance(1000)
      await c.keys.create({ name: 'Pat', user_id: user, type: 'pat' })
      await c.keys.create({ name: 'Off', user_id: user, status: 'inactive' })
      const { data } = await c.keys.tokens.create({ user_id: user })
      expect(data.key_id).toBe(newer.id)
      expect(data.key_id).not.toBe(older.id)
      expect(await status(data.token)).toBe(200)
      await expect(c.keys.tokens.create({ user_id: 'nobody-at-all' })).rejects.toMatchObject({
        status: 404,
        code: 'API_KEY_NOT_FOUND',
      })
    })

    it('ttl_seconds: at most the configured maximum (86400 s by default), a whole number >= 1', async () => {
      const { data: parent } = await c.keys.create({ name: 'TTL' })
      const at = (await c.keys.tokens.create({ key_id: parent.id, ttl_seconds: 86400 })).data
      expect(at.expires_at).toBe(new Date(c.clock.ms + 86400_000).toISOString())
      for (const ttl of [86401, 0, -5, 1.5]) {
        await expect(
          c.keys.tokens.create({ key_id: parent.id, ttl_seconds: ttl }),
        ).rejects.toMatchObject({
          status: 400,
          code: 'VALIDATION_ERROR',
          details: { field: 'ttl_seconds' },
        })
      }
      const short = new KeyManager(c.store, { clientTokens: { defaultTtl: 30, maxTtl: 60 } })
      const d = (await short.tokens.create({ key_id: parent.id })).data
      expect(d.expires_at).toBe(new Date(c.clock.ms + 30_000).toISOString())
      await expect(
        short.tokens.create({ key_id: parent.id, ttl_seconds: 61 }),
      ).rejects.toMatchObject({ status: 400, details: { field: 'ttl_seconds' } })
    })

    it('only from an active sk key', async () => {
      const pat = (await c.keys.create({ name: 'Pat', type: 'pat' })).data
      const off = (await c.keys.create({ name: 'Off', status: 'inactive' })).data
      for (const id of [pat.id, off.id]) {
        await expect(c.keys.tokens.create({ key_id: id })).rejects.toMatchObject({ status: 400 })
      }
      await expect(c.keys.tokens.create({ key_id: newKeyId(null) })).rejects.toMatchObject({
        status: 404,
        code: 'API_KEY_NOT_FOUND',
      })
      await expect(c.keys.tokens.create({} as never)).rejects.toMatchObject({ status: 400 })
    })
  })

  describe('on a guarded route', () => {
    it('works, with token_type "ct", the parent as the key and the token its own scopes', async () => {
      const { data: parent } = await c.keys.create({
        name: 'Parent',
        user_id: 'u-scoped',
        scopes: ['keys:read', 'keys:write'],
      })
      const token = await mint(parent.id, { scopes: ['keys:read'] })
      const res = await call(guarded(['keys:read']), token)
      expect(res.status).toBe(200)
      expect(res.body.apiKey).toMatchObject({
        id: parent.id,
        type: 'sk',
        user_id: 'u-scoped',
        token_type: 'ct',
        scopes: ['keys:read'],
      })
      // Not the parent's other scopes.
      const denied = await call(guarded(['keys:write']), token)
      expect(denied.status).toBe(403)
      expect(denied.body).toEqual(SCOPE)
      expect(await status(parent.api_key, ['keys:write'])).toBe(200)
      // A token minted with no scopes has none.
      const bare = await mint(parent.id, { scopes: [] })
      expect((await call(guarded(), bare)).body.apiKey.scopes).toEqual([])
      expect(await status(bare, ['keys:read'])).toBe(403)
    })

    it("never more than the parent's scopes now: a parent losing a scope takes it from its tokens", async () => {
      const { data: parent } = await c.keys.create({ name: 'Shrinks', scopes: ['a', 'b'] })
      const token = await mint(parent.id, { scopes: ['a', 'b'] })
      expect(await status(token, ['b'])).toBe(200)
      await c.keys.update(parent.id, { scopes: ['a'] })
      expect(await status(token, ['b'])).toBe(403)
      expect(await status(token, ['a'])).toBe(200)
    })

    it("is billed to the parent's quotas: the parent's usage goes up, and its exhaustion blocks both", async () => {
      const { data: parent } = await c.keys.create({ name: 'Billed', quotas: { total: 3 } })
      const token = await mint(parent.id)
      expect(await status(token)).toBe(200)
      expect(await status(token)).toBe(200)
      const usage = (await c.keys.usage(parent.id)).data
      expect(usage.total_requests).toBe(2)
      expect((await c.keys.get(parent.id)).data.last_used_at).not.toBeNull()
      expect(await status(parent.api_key)).toBe(200)
      for (const t of [token, parent.api_key, await mint(parent.id)]) {
        const res = await call(guarded(), t)
        expect(res.status).toBe(401)
        expect(res.body.code).toBe('QUOTA_EXCEEDED')
      }
      expect((await c.keys.usage(parent.id)).data.total_requests).toBe(3)
    })

    it("shares the parent's rate limit", async () => {
      const { data: parent } = await c.keys.create({
        name: 'Rated',
        rate: { per_second: 1, burst: 1 },
      })
      const token = await mint(parent.id)
      expect(await status(token)).toBe(200)
      expect(await status(parent.api_key)).toBe(429)
      c.clock.advance(1000)
      expect(await status(parent.api_key)).toBe(200)
      expect(await status(token)).toBe(429)
    })

    it('dies at its expiry (401 EXPIRED_API_KEY), on the store clock', async () => {
      const { data: parent } = await c.keys.create({ name: 'Clock' })
      const token = await mint(parent.id, { ttl_seconds: 60 })
      c.clock.advance(59_999)
      expect(await status(token)).toBe(200)
      c.clock.advance(1)
      const res = await call(guarded(), token)
      expect(res.status).toBe(401)
      expect(res.body).toEqual(EXPIRED)
      // Still "expired" (not "invalid", which counts against the IP) a while later, even after
      // the parent minted again.
      c.clock.advance(HOUR / 2)
      await mint(parent.id)
      expect((await call(guarded(), token)).body).toEqual(EXPIRED)
      expect(await status(parent.api_key)).toBe(200)
    })

    it('dies when the parent is deactivated, and stays dead after reactivation', async () => {
      const { data: parent } = await c.keys.create({ name: 'Toggled' })
      const token = await mint(parent.id)
      const bystander = (await c.keys.create({ name: 'Bystander' })).data
      const other = await mint(bystander.id)
      expect(await status(token)).toBe(200)
      // An update that does not deactivate keeps the tokens.
      await c.keys.update(parent.id, { name: 'Renamed' })
      expect(await status(token)).toBe(200)
      await c.keys.update(parent.id, { status: 'inactive' })
      expect((await call(guarded(), token)).status).toBe(401)
      await c.keys.update(parent.id, { status: 'active' })
      expect((await call(guarded(), token)).body).toEqual(INVALID)
      expect(await status(parent.api_key)).toBe(200)
      expect(await status(other)).toBe(200)
    })

    it('dies when the parent is regenerated, even with a grace period for the old secret', async () => {
      const { data: parent } = await c.keys.create({ name: 'Rotated' })
      const token = await mint(parent.id)
      expect(await status(token)).toBe(200)
      const fresh = (await c.keys.regenerate(parent.id, { grace_seconds: 3600 })).data.api_key
      expect((await call(guarded(), token)).body).toEqual(INVALID)
      expect(await status(parent.api_key)).toBe(200)
      expect(await status(fresh)).toBe(200)
      expect(await status(await mint(parent.id))).toBe(200)
    })

    it('minted with a secret replaced by regenerate, it dies when that grace ends', async () => {
      const { data: parent } = await c.keys.create({ name: 'Leaked', scopes: ['r'] })
      const fresh = (await c.keys.regenerate(parent.id, { grace_seconds: 600 })).data.api_key
      const graceEnd = new Date(c.clock.ms + 600_000).toISOString()
      const res = await send(admin, 'post', '/admin/tokens', parent.api_key, {
        key_id: parent.id,
        ttl_seconds: 86400,
      })
      expect(res.status).toBe(201)
      expect(res.body.data.expires_at).toBe(graceEnd)
      const byUser = await c.keys.tokens.create(
        { key_id: parent.id, ttl_seconds: 3600 },
        { id: parent.id, user_id: null, scopes: ['r'] },
      )
      expect(byUser.data.expires_at).toBe(graceEnd)
      // An admin minting for the key is not limited by its grace.
      const byAdmin = await send(admin, 'post', '/admin/tokens', adminToken, { key_id: parent.id })
      expect(byAdmin.body.data.expires_at).toBe(new Date(c.clock.ms + HOUR).toISOString())
      c.clock.advance(600_000)
      expect((await call(guarded(), res.body.data.token)).body).toEqual(EXPIRED)
      expect((await call(guarded(), parent.api_key)).body).toEqual(INVALID)
      expect(await status(byAdmin.body.data.token)).toBe(200)
      // Once the grace is over, tokens get their full lifetime again.
      const later = await send(admin, 'post', '/admin/tokens', fresh, { key_id: parent.id })
      expect(later.body.data.expires_at).toBe(new Date(c.clock.ms + HOUR).toISOString())
      expect(await status(later.body.data.token)).toBe(200)
    })

    it('dies when the parent is deleted, and is gone from the store', async () => {
      const { data: parent } = await c.keys.create({ name: 'Deleted' })
      const token = await mint(parent.id)
      await c.keys.delete(parent.id)
      expect((await call(guarded(), token)).body).toEqual(INVALID)
      if (c.store instanceof RedisStore) {
        const client = newClient()
        const tag = parent.id.slice(0, 12)
        expect(await client.exists(c.store.names.clientTokens(tag, parent.id))).toBe(0)
        client.disconnect()
      }
    })

    it('using a token uses its parent: a used parent cannot be deleted', async () => {
      const { data: parent } = await c.keys.create({ name: 'Used through a ct' })
      expect(await status(await mint(parent.id))).toBe(200)
      await expect(c.keys.delete(parent.id)).rejects.toMatchObject({ code: 'KEY_IN_USE' })
    })

    it('a forged token (right format, random secret) or a relabelled one gets 401', async () => {
      const { data: parent } = await c.keys.create({ name: 'Target', scopes: ['x'] })
      const real = await mint(parent.id)
      const forged = [
        mintToken('kg', 'ct', parent.id),
        mintToken('kg', 'ct', newKeyId(null)),
        // The parent's own secret, presented as a client token, and a client token as an sk.
        relabel(parent.api_key, 'ct'),
        relabel(real, 'sk'),
        relabel(real, 'pat'),
      ]
      for (const token of forged) {
        expect(parseToken(token, 'kg')).not.toBeNull()
        const res = await call(guarded(), token)
        expect(res.status).toBe(401)
        expect(res.body).toEqual(INVALID)
      }
      expect(await status(real)).toBe(200)
    })
  })

  describe('scopes', () => {
    it.each([
      [['keys:read'], ['keys:write']],
      [['keys:read'], ['keys:*']],
      [['keys:read'], ['*']],
      [['keys:read'], ['keys:read', 'billing:read']],
      [[], ['keys:read']],
      [['admin'], ['admin']],
      [['*'], ['admin']],
      [['*'], ['*']],
      [['*'], ['keys:read', '*']],
    ])('a parent with %j cannot give a token %j (400)', async (held, asked) => {
      const { data: parent } = await c.keys.create({ name: 'Narrow', scopes: held })
      await expect(
        c.keys.tokens.create({ key_id: parent.id, scopes: asked }),
      ).rejects.toMatchObject({
        status: 400,
        code: 'VALIDATION_ERROR',
        details: { field: 'scopes' },
      })
    })

    it.each([
      [['keys:*'], ['keys:read', 'keys:write'], ['keys:read', 'keys:write']],
      [['*'], ['billing:read'], ['billing:read']],
      [['*'], undefined, []],
      [['admin', '*', 'keys:read'], undefined, ['keys:read']],
      [['keys:read', 'admin'], undefined, ['keys:read']],
      [['keys:read'], [], []],
    ])('a parent with %j asked for %j gives %j', async (held, asked, given) => {
      const { data: parent } = await c.keys.create({ name: 'Wide', scopes: held })
      const input =
        asked === undefined ? { key_id: parent.id } : { key_id: parent.id, scopes: asked }
      const { data } = await c.keys.tokens.create(input)
      expect(data.scopes).toEqual(given)
      expect((await call(guarded(), data.token)).body.apiKey.scopes).toEqual(given)
    })

    it('scopes are validated like key scopes (no commas, spaces or empty strings)', async () => {
      const { data: parent } = await c.keys.create({ name: 'Star', scopes: ['*'] })
      for (const bad of ['a,admin', 'a b', '']) {
        await expect(
          c.keys.tokens.create({ key_id: parent.id, scopes: [bad] }),
        ).rejects.toMatchObject({ status: 400 })
      }
    })
  })

  describe('never the admin API', () => {
    it.each([['admin'], ['*']])(
      'every admin route answers 403 to a token of a parent with scope %s',
      async (scope) => {
        const { data: parent } = await c.keys.create({
          name: `Admin parent ${scope}`,
          scopes: [scope],
        })
        const { data: victim } = await c.keys.create({ name: 'Victim' })
        const tokens = [await mint(parent.id), await mint(parent.id, { scopes: [] })]
        // Even one planted in the store with the admin scope (the API never mints such a token).
        const planted = mintToken('kg', 'ct', parent.id)
        const { version } = await c.keys.read(parent.id)
        await c.store.saveClientToken(parent.id, version, hashToken(planted), c.clock.ms + HOUR, [
          'admin',
          '*',
        ])
        expect(await status(planted, ['admin'])).toBe(200)
        tokens.push(planted)
        const keysBefore = (await c.keys.list({ limit: 100 })).count
        for (const token of tokens) {
          for (const [method, path, body] of adminRoutes(victim.id)) {
            const res = await send(admin, method, path, token, body)
            expect([method, path, res.status]).toEqual([method, path, 403])
            expect(res.body).toEqual(SCOPE)
          }
          const viaHeader = await request(admin).get('/admin/keys').set('X-API-Key', token)
          expect(viaHeader.status).toBe(403)
        }
        // Nothing happened.
        expect((await c.keys.list({ limit: 100 })).count).toBe(keysBefore)
        expect((await c.keys.get(victim.id)).data).toMatchObject({ status: 'active', scopes: [] })
        await expect(c.keys.plans.get('planted')).rejects.toMatchObject({ status: 404 })
        // The parent itself is an admin.
        expect((await send(admin, 'get', '/admin/keys', parent.api_key)).status).toBe(200)
      },
    )
  })

  describe('POST /tokens on adminRouter', () => {
    const post = (token: string | null, body: unknown) =>
      send(admin, 'post', '/admin/tokens', token, body)

    it('an sk key mints for itself (by key_id or its user_id); the answer is never cached', async () => {
      const user = `u-${kind}-self`
      const { data: own } = await c.keys.create({ name: 'Own', user_id: user, scopes: ['r'] })
      c.clock.advance(1000)
      const { data: newer } = await c.keys.create({ name: 'Newer', user_id: user })
      const res = await post(own.api_key, { key_id: own.id, ttl_seconds: 600 })
      expect(res.status).toBe(201)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.body.data).toMatchObject({
        key_id: own.id,
        scopes: ['r'],
        expires_at: new Date(c.clock.ms + 600_000).toISOString(),
      })
      expect(res.body.data.token).toMatch(CT_SHAPE)
      expect(await status(res.body.data.token, ['r'])).toBe(200)
      // By user_id: the caller's own key, not the user's newest one.
      const byUser = await post(own.api_key, { user_id: user })
      expect(byUser.status).toBe(201)
      expect(byUser.body.data.key_id).toBe(own.id)
      expect(byUser.body.data.key_id).not.toBe(newer.id)
    })

    it("an sk key asking for another key's token gets the 404 of a key that does not exist", async () => {
      const user = `u-${kind}-other`
      const { data: caller } = await c.keys.create({ name: 'Caller', user_id: user })
      const { data: sameUser } = await c.keys.create({ name: 'Same user', user_id: user })
      const { data: stranger } = await c.keys.create({ name: 'Stranger', user_id: 'someone' })
      const answers = []
      for (const id of [sameUser.id, stranger.id, newKeyId(null), newKeyId('someone')]) {
        const res = await post(caller.api_key, { key_id: id })
        answers.push({
          status: res.status,
          body: res.text.split(id).join('<id>'),
          headers: Object.keys(res.headers)
            .filter((h) => h !== 'date' && h !== 'etag')
            .map((h) => `${h}: ${h === 'content-length' ? '' : res.headers[h]}`),
        })
      }
      expect(answers[0]?.status).toBe(404)
      expect(JSON.parse(answers[0]?.body ?? '{}')).toEqual({
        error: 'API key not found',
        code: 'API_KEY_NOT_FOUND',
        details: { id: '<id>' },
      })
      for (const a of answers) expect(a).toEqual(answers[0])
      // Another user's user_id: the same as a user with no key.
      const byUser = await post(caller.api_key, { user_id: 'someone' })
      const noUser = await post(caller.api_key, { user_id: 'nobody-here' })
      expect(byUser.status).toBe(404)
      expect(byUser.body.code).toBe(noUser.body.code)
      expect(Object.keys(byUser.body)).toEqual(Object.keys(noUser.body))
    })

    it('an admin pat (scope admin or *) or an admin sk mints for any key; other pats cannot', async () => {
      const { data: target } = await c.keys.create({ name: 'Target', user_id: 'u-target' })
      const starPat = (await c.keys.create({ name: 'Star pat', type: 'pat', scopes: ['*'] })).data
      const adminSk = (await c.keys.create({ name: 'Admin sk', scopes: ['admin'] })).data
      for (const token of [adminToken, starPat.api_key, adminSk.api_key]) {
        const res = await post(token, { key_id: target.id })
        expect(res.status).toBe(201)
        expect(res.body.data.key_id).toBe(target.id)
        expect(await status(res.body.data.token)).toBe(200)
      }
      const byUser = await post(adminToken, { user_id: 'u-target' })
      expect(byUser.body.data.key_id).toBe(target.id)
      const plainPat = (await c.keys.create({ name: 'Plain pat', type: 'pat', scopes: ['r'] })).data
      const res = await post(plainPat.api_key, { key_id: target.id })
      expect(res.status).toBe(403)
      expect(res.body).toEqual(SCOPE)
    })

    it('refuses client tokens, missing and bad credentials, and bad input', async () => {
      const { data: parent } = await c.keys.create({ name: 'Parent', scopes: ['r'] })
      const ct = await mint(parent.id)
      const fromCt = await post(ct, { key_id: parent.id })
      expect(fromCt.status).toBe(403)
      expect(fromCt.body).toEqual(SCOPE)
      expect((await post(null, { key_id: parent.id })).body.code).toBe('MISSING_API_KEY')
      expect((await post(mintToken('kg', 'sk', parent.id), { key_id: parent.id })).body).toEqual(
        INVALID,
      )
      const pat = (await c.keys.create({ name: 'Pat', type: 'pat' })).data
      const off = (await c.keys.create({ name: 'Off', status: 'inactive' })).data
      for (const body of [
        { key_id: parent.id, ttl_seconds: 86401 },
        { key_id: parent.id, scopes: ['w'] },
        { key_id: parent.id, scopes: ['admin'] },
        { key_id: parent.id, extra: true },
        {},
        [],
      ]) {
        const res = await post(parent.api_key, body)
        expect([body, res.status, res.body.code]).toEqual([body, 400, 'VALIDATION_ERROR'])
      }
      for (const id of [pat.id, off.id]) {
        expect((await post(adminToken, { key_id: id })).status).toBe(400)
      }
    })
  })
})
