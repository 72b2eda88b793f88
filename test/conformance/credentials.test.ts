// Credentials: where the token is read from, and the 401s for missing or invalid ones.

import request from 'supertest'
import { mintToken, newKeyId } from '../../src/token'
import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

const INVALID = JSON.stringify({ error: 'Invalid API Key', code: 'INVALID_API_KEY' })

describe.each(STORE_KINDS)('credentials (%s store)', (kind) => {
  const c = useStore(kind)
  let token = ''
  let id = ''

  beforeAll(async () => {
    const { data } = await c.keys.create({ name: 'Creds', user_id: 'u-creds' })
    token = data.api_key
    id = data.id
  })

  it('answers 401 MISSING_API_KEY with WWW-Authenticate when no credentials are sent', async () => {
    const app = c.app()
    const variants = [
      request(app).get('/r'),
      request(app).get('/r').set('X-API-Key', '   '),
      request(app).get('/r').set('Authorization', 'Basic dXNlcjpwYXNz'),
      request(app).get('/r').set('Authorization', 'Bearer'),
    ]
    for (const pending of variants) {
      const res = await pending
      expect(res.status).toBe(401)
      expect(res.body).toEqual({ error: 'Missing API Key', code: 'MISSING_API_KEY' })
      expect(res.headers['www-authenticate']).toBe('Bearer')
    }
  })

  it('accepts Authorization: Bearer with the scheme in any case', async () => {
    const app = c.app()
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await request(app).get('/r').set('Authorization', `${scheme} ${token}`)
      expect(res.status).toBe(200)
      expect(res.body.apiKey.id).toBe(id)
    }
  })

  it('accepts the X-API-Key header', async () => {
    const res = await request(c.app()).get('/r').set('X-API-Key', token)
    expect(res.status).toBe(200)
    expect(res.body.apiKey.id).toBe(id)
  })

  it('gives byte-identical 401 INVALID_API_KEY bodies for every kind of bad token', async () => {
    const app = c.app()
    const last = token.slice(-1)
    const badChecksum = token.slice(0, -1) + (last === 'A' ? 'B' : 'A')
    const flipped = token.slice(0, 30) + (token[30] === 'x' ? 'y' : 'x') + token.slice(31)
    const bad = {
      malformed: 'not-a-token',
      truncated: token.slice(0, -3),
      badChecksum,
      typoInSecret: flipped,
      unknownId: mintToken('kg', 'sk', newKeyId(null)),
      wrongSecret: mintToken('kg', 'sk', id),
      wrongType: mintToken('kg', 'pat', id),
      otherPrefix: mintToken('zz', 'sk', id),
      tooLong: `${token}${'a'.repeat(200)}`,
    }
    for (const [what, value] of Object.entries(bad)) {
      for (const res of [
        await call(app, value),
        await request(app).get('/r').set('X-API-Key', value),
      ]) {
        expect({ what, status: res.status, text: res.text }).toEqual({
          what,
          status: 401,
          text: INVALID,
        })
      }
    }
    // The genuine token still works: none of the bad ones locked it out or consumed anything.
    expect((await call(app, token)).status).toBe(200)
  })
})
