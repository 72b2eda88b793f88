// Importing existing keys: plaintext and SHA-256 (hex, base64) rows verify in one store call, re-runs skip, bad rows are reported by line.

import { createHash } from 'node:crypto'
import type { Store, Verdict, VerifyRequest } from '../../src'
import { parseImportText } from '../../src/keys'
import { derivedIdOfToken, mintToken } from '../../src/token'
import { call, useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

const sha = (text: string, encoding: 'hex' | 'base64') =>
  createHash('sha256').update(text).digest(encoding)

/** Counts the store's verify calls from here on. */
function countVerifies(store: Store): { readonly calls: VerifyRequest[]; restore(): void } {
  const original = store.verify
  const calls: VerifyRequest[] = []
  store.verify = function (
    this: Store,
    request: VerifyRequest,
    timeout?: number,
  ): Promise<Verdict> {
    calls.push(request)
    return original.call(this, request, timeout)
  }
  return {
    calls,
    restore: () => {
      store.verify = original
    },
  }
}

describe.each(STORE_KINDS)('importing keys (%s store)', (kind) => {
  const c = useStore(kind)

  it("a row without a plan takes its user's plan; one with its own keeps it", async () => {
    await c.keys.plans.create({ id: `imp-user-${kind}`, name: 'Of the user', quotas: { daily: 1 } })
    await c.keys.plans.create({ id: `imp-own-${kind}`, name: 'Own', quotas: { daily: 3 } })
    const { data: user } = await c.keys.users.create({
      name: 'Importer',
      plan_id: `imp-user-${kind}`,
    })
    const inherits = `sk_${kind}_inherits_users_plan`
    const owns = `sk_${kind}_keeps_its_own_plan`
    const { data } = await c.keys.import({
      keys: [
        { api_key: inherits, name: 'Inherits', user_id: user.user_id },
        { api_key: owns, name: 'Owns', user_id: user.user_id, plan_id: `imp-own-${kind}` },
      ],
    })
    expect(data).toEqual({ created: 2, skipped: 0, errors: [] })
    const app = c.app({ scopes: [] })
    expect([(await call(app, inherits)).status, (await call(app, inherits)).status]).toEqual([
      200, 401,
    ])
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await call(app, owns)).status)
    expect(statuses).toEqual([200, 200, 200, 401])
  })

  it('imports plaintext, hex and base64 rows; each key then verifies with exactly one store call', async () => {
    await c.keys.plans.create({ id: `imp-${kind}`, name: 'Imported', quotas: { daily: 2 } })
    const plain = `sk_live_${kind}_plaintext_0001`
    const hexed = `unkey_${kind}_3ZZhexkey0002`
    const based = `lim_${kind}_base64key0003`
    const { data } = await c.keys.import({
      keys: [
        { api_key: plain, name: 'Plain', plan_id: `imp-${kind}`, scopes: ['read'] },
        { hash: sha(hexed, 'hex'), name: 'Hex', metadata: { team: 'a' } },
        { hash: sha(based, 'base64'), name: 'Base64', rate: { per_second: 5, burst: 5 } },
      ],
    })
    expect(data).toEqual({ created: 3, skipped: 0, errors: [] })

    const app = c.app({ scopes: [] })
    const counted = countVerifies(c.store)
    try {
      for (const token of [plain, hexed, based]) {
        const res = await call(app, token)
        expect(res.status).toBe(200)
        expect(res.body.apiKey.id).toBe(derivedIdOfToken(token))
      }
      expect(counted.calls).toHaveLength(3)
      expect(counted.calls.map((r) => r.id)).toEqual([plain, hexed, based].map(derivedIdOfToken))
    } finally {
      counted.restore()
    }
    // The plan's limits apply: a daily quota of 2.
    expect((await call(app, plain)).status).toBe(200)
    expect((await call(app, plain)).body.code).toBe('QUOTA_EXCEEDED')
    const stored = await c.keys.get(derivedIdOfToken(hexed))
    expect(stored.data).toMatchObject({ name: 'Hex', type: 'sk', metadata: { team: 'a' } })
  })

  it('is idempotent: the same rows again create nothing and skip them all', async () => {
    const rows = {
      keys: [
        { api_key: `again_${kind}_first_key` },
        { hash: sha(`again_${kind}_second_key`, 'hex') },
      ],
    }
    expect((await c.keys.import(rows)).data).toEqual({ created: 2, skipped: 0, errors: [] })
    expect((await c.keys.import(rows)).data).toEqual({ created: 0, skipped: 2, errors: [] })
    const listed = await c.keys.list({ limit: 100 })
    const id = derivedIdOfToken(`again_${kind}_first_key`)
    expect(listed.data.filter((k) => k.id === id)).toHaveLength(1)
    expect(listed.data.find((k) => k.id === id)?.name).toBe('Imported key')
  })

  it('reports bad rows by line and lands the good ones', async () => {
    const text = [
      JSON.stringify({ api_key: `good_${kind}_line_one`, name: 'One' }),
      '{"api_key": "broken json',
      JSON.stringify({ name: 'No key' }),
      JSON.stringify({ hash: 'not-a-hash', name: 'Bad hash' }),
      '',
      JSON.stringify({ api_key: `good_${kind}_line_six`, plan_id: 'no-such-plan' }),
      JSON.stringify({ api_key: `good_${kind}_line_seven`, quotas: { daily: -1 } }),
      JSON.stringify({ api_key: `good_${kind}_line_one`, name: 'Duplicate' }),
      JSON.stringify({ api_key: 'kg_sk_typo', name: 'keyguard-shaped' }),
      JSON.stringify({ api_key: 'short', name: 'Too short' }),
      JSON.stringify({ api_key: `good_${kind}_line_eleven`, bogus: 1 }),
      JSON.stringify({ api_key: `good_${kind}_line_twelve`, expires_at: '2001-01-01T00:00:00Z' }),
      JSON.stringify({
        key: `good_${kind}_line_13`,
        ownerId: 'u13',
        meta: { a: 1 },
        enabled: false,
      }),
    ].join('\n')
    const { data } = await c.keys.importRows(parseImportText(text, 'jsonl'))
    expect(data.created).toBe(2)
    expect(data.skipped).toBe(0)
    expect(data.errors.map((e) => [e.line, e.field])).toEqual([
      [2, undefined],
      [3, 'api_key'],
      [4, 'hash'],
      [6, 'plan_id'],
      [7, 'quotas.daily'],
      [8, 'api_key'],
      [9, 'api_key'],
      [10, 'api_key'],
      [11, 'bogus'],
      [12, 'expires_at'],
    ])
    expect(data.errors[0]?.message).toMatch(/not valid JSON/)
    expect(data.errors[5]?.message).toBe('the same key as line 1')
    const unkey = await c.keys.get(derivedIdOfToken(`good_${kind}_line_13`))
    expect(unkey.data).toMatchObject({ user_id: 'u13', metadata: { a: 1 }, status: 'inactive' })
    expect((await call(c.app(), `good_${kind}_line_13`)).body.code).toBe('INACTIVE_API_KEY')
  })

  it('reads CSV with a header, quoted fields (commas, quotes, line breaks) and dotted limit columns', async () => {
    const csv = [
      'api_key,name,scopes,metadata,quotas.daily,user_id',
      `csv_${kind}_key_0001,"Acme, Inc. ""prod""","read,write","{""tier"":""gold""}",5,123`,
      `csv_${kind}_key_0002,"two`,
      `lines",,,,`,
      `csv_${kind}_key_0003,Bad daily,,,lots,`,
    ].join('\r\n')
    const { data } = await c.keys.importRows(parseImportText(csv, 'csv'))
    expect(data.created).toBe(2)
    expect(data.errors).toEqual([{ line: 5, field: 'quotas.daily', message: expect.any(String) }])
    const first = await c.keys.get(derivedIdOfToken(`csv_${kind}_key_0001`))
    expect(first.data).toMatchObject({
      name: 'Acme, Inc. "prod"',
      scopes: ['read', 'write'],
      metadata: { tier: 'gold' },
      quotas: { daily: 5 },
      user_id: 123,
    })
    expect((await c.keys.get(derivedIdOfToken(`csv_${kind}_key_0002`))).data.name).toBe(
      'two\r\nlines',
    )
  })

  it('keeps the id a keyguard token carries, and refuses client tokens', async () => {
    const id = `0${'A'.repeat(11)}${kind === 'memory' ? 'mem' : 'red'}00001`
    const token = mintToken('kg', 'pat', id)
    const { data } = await c.keys.import({
      keys: [{ api_key: token, scopes: ['admin'] }, { api_key: mintToken('kg', 'ct', id) }],
    })
    expect(data.created).toBe(1)
    expect(data.errors).toEqual([
      { line: 2, field: 'api_key', message: expect.stringMatching(/client token/) },
    ])
    expect((await c.keys.get(id)).data.type).toBe('pat')
    expect((await call(c.app(), token)).status).toBe(200)
  })

  it('looks up foreign tokens only with importedKeys (the default); false refuses them unread', async () => {
    const token = `off_${kind}_switch_key`
    await c.keys.import({ keys: [{ api_key: token }] })
    expect((await call(c.app(), token)).status).toBe(200)
    const counted = countVerifies(c.store)
    try {
      const res = await call(c.app({ importedKeys: false }), token)
      expect(res.status).toBe(401)
      expect(res.body.code).toBe('INVALID_API_KEY')
      // A route that takes no sk tokens never looks one up either.
      expect((await call(c.app({ tokenTypes: ['pat'] }), token)).status).toBe(401)
      expect(counted.calls).toHaveLength(0)
      // An unknown foreign token costs its one lookup, and is refused.
      expect((await call(c.app(), `unknown_${kind}_token`)).body.code).toBe('INVALID_API_KEY')
      expect(counted.calls).toHaveLength(1)
    } finally {
      counted.restore()
    }
  })

  it("gives an imported key of a disabled user the user's disabled flag", async () => {
    await c.keys.users.create({ user_id: `dis-${kind}`, name: 'Disabled', is_disabled: true })
    await c.keys.users.create({ user_id: `ok-${kind}`, name: 'Enabled' })
    const off = `user_${kind}_disabled_key`
    const on = `user_${kind}_enabled_key`
    await c.keys.import({
      keys: [
        { api_key: off, user_id: `dis-${kind}` },
        { api_key: on, user_id: `ok-${kind}` },
      ],
    })
    expect((await call(c.app(), off)).body.code).toBe('INACTIVE_API_KEY')
    expect((await call(c.app(), on)).status).toBe(200)
    // Enabling the user reaches the imported key's own hash tag too.
    await c.keys.users.update(`dis-${kind}`, { is_disabled: false })
    expect((await call(c.app(), off)).status).toBe(200)
    // …and so does disabling a user whose imported key exists already.
    await c.keys.users.update(`ok-${kind}`, { is_disabled: true })
    expect((await call(c.app(), on)).body.code).toBe('INACTIVE_API_KEY')
  })
})
