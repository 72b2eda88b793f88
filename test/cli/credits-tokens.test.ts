// `keyguard keys credits` and `keyguard tokens create` through the real bin: flags, answers, errors and the audit trail.

import { spawn } from 'node:child_process'
import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager } from '../../src'
import { testRedisUrl } from '../harness/redis'
import { CLI, useCli } from './run'

describe('keyguard keys credits', () => {
  const c = useCli()
  const api = () =>
    express().get('/v1/things', apiKeyGuard({ store: c.store, requestLog: false }), (_q, r) => {
      r.json({})
    })
  const spend = (token: string) =>
    request(api()).get('/v1/things').set('Authorization', `Bearer ${token}`)

  it('sets, tops up and takes credits; the guard admits exactly what is left', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Prepaid', '--total', '1')
    expect((await spend(data.api_key)).status).toBe(200)
    const set = await c.json('keys', 'credits', data.id, '--set', '2')
    expect(set.credits).toMatchObject({ op: 'set', used: 1, limit: 3, remaining: 2 })
    expect(set.data.quotas.total).toBe(3)
    const up = await c.json('api-keys', 'credits', '--key-id', data.id, '--increment', '5')
    expect(up.credits).toMatchObject({ used: 1, limit: 8, remaining: 7, remaining_before: 2 })
    const down = await c.json('keys', 'credits', data.id, '--decrement', '6')
    expect(down.credits).toMatchObject({ remaining: 1 })
    expect((await spend(data.api_key)).status).toBe(200)
    expect((await spend(data.api_key)).status).toBe(401)
    const human = await c.kg('keys', 'credits', data.id, '--increment', '10')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/Remaining\s+10 \(was 0\)/)
    const audit = await c.json('audit', '--action', 'key.credits', '--target-id', data.id)
    expect(audit.data).toHaveLength(4)
  })

  it('refuses bad flags with exit 2 and a clear line, a key without a limit with exit 1', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Unlimited')
    const cases: Array<[string[], number, RegExp]> = [
      [['keys', 'credits', data.id], 2, /--set N, --increment N or --decrement N/],
      [
        ['keys', 'credits', data.id, '--set', '1', '--increment', '1'],
        2,
        /not --set and --increment/,
      ],
      [['keys', 'credits', data.id, '--set', '-1'], 2, /--set.*whole number of credits/],
      [['keys', 'credits', data.id, '--set', '1.5'], 2, /whole number of credits/],
      [['keys', 'credits', data.id, '--set', '10000000000001'], 2, /whole number of credits/],
      [['keys', 'credits', '--set', '1'], 2, /missing key id/],
      [['keys', 'credits', data.id, '--increment', '1'], 1, /no credit limit/],
      [['keys', 'credits', '00000000000000000000', '--set', '1'], 1, /not found/],
    ]
    for (const [args, code, message] of cases) {
      const r = await c.kg(...args)
      expect({ args, code: r.code, stderr: message.test(r.stderr) }).toEqual({
        args,
        code,
        stderr: true,
      })
    }
    expect((await new KeyManager(c.store).get(data.id)).data.quotas.total).toBeUndefined()
  })
})

describe('keyguard tokens create', () => {
  const c = useCli()

  it('mints a client token for a key or a user; the token works and is audited', async () => {
    const { data } = await c.json(
      'keys',
      'create',
      '--name',
      'Parent',
      '--user-id',
      '77',
      '--scopes',
      'read,write',
    )
    const minted = await c.json(
      'tokens',
      'create',
      '--key-id',
      data.id,
      '--ttl-seconds',
      '60',
      '--scopes',
      'read',
    )
    expect(minted.data).toMatchObject({ key_id: data.id, user_id: 77, scopes: ['read'] })
    expect(minted.data.token).toMatch(/^kg_ct_/)
    const app = express().get('/r', apiKeyGuard({ store: c.store, scopes: ['read'] }), (_q, r) => {
      r.json({})
    })
    expect(
      (await request(app).get('/r').set('Authorization', `Bearer ${minted.data.token}`)).status,
    ).toBe(200)
    const byUser = await c.json('tokens', 'create', '--user-id', '77')
    expect(byUser.data).toMatchObject({ key_id: data.id, scopes: ['read', 'write'] })
    const human = await c.kg('tokens', 'create', '--key-id', data.id)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/Token\s+kg_ct_/)
    const audit = await c.json('audit', '--action', 'token.create', '--target-id', data.id)
    expect(audit.data).toHaveLength(3)
  })

  it('refuses bad flags with exit 2 and a clear line', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Flags', '--scopes', 'read')
    const cases: Array<[string[], number, RegExp]> = [
      [['tokens', 'create'], 2, /--key-id <id> or --user-id <id>/],
      [['tokens', 'create', '--key-id', data.id, '--ttl-seconds', '0'], 2, /from 1 to 86400/],
      [['tokens', 'create', '--key-id', data.id, '--ttl-seconds', '86401'], 2, /from 1 to 86400/],
      [['tokens', 'create', '--key-id', data.id, '--ttl-seconds', 'soon'], 2, /from 1 to 86400/],
      [
        ['tokens', 'create', '--key-id', data.id, '--scopes', 'write'],
        2,
        /not a scope of the parent/,
      ],
      [['tokens', 'create', '--key-id', data.id, '--scopes', 'admin'], 2, /admin scope/],
      [['tokens', 'create', '--key-id', '00000000000000000000'], 1, /not found/],
      [['tokens', 'create', '--key-id', data.id, '--bogus'], 2, /unknown option/],
    ]
    for (const [args, code, message] of cases) {
      const r = await c.kg(...args)
      expect({ args, code: r.code, stderr: message.test(r.stderr) }).toEqual({
        args,
        code,
        stderr: true,
      })
    }
  })
})

describe('keyguard serve exposes POST /validate', () => {
  const c = useCli()

  it('validates and charges a key over HTTP, with the admin key serve created', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '--prefix', c.prefix, '--json', 'serve', '--port', '0', '--quota-status', '429'],
      { env: { ...process.env, REDIS_URL: testRedisUrl() }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
        })
        child.once('exit', (code) => reject(new Error(`serve exited ${code}`)))
      })
      const info = JSON.parse(first) as { url: string; admin_key: { api_key: string } }
      const { data } = await new KeyManager(c.store).create({
        name: 'Served',
        quotas: { total: 1 },
      })
      const validate = () =>
        fetch(`${info.url}validate`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${info.admin_key.api_key}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ api_key: data.api_key, endpoint: '/v1/x', method: 'GET' }),
        })
      const ok = await validate()
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({
        success: true,
        details: { current_usage: 1, limit: 1 },
      })
      const refused = await validate()
      expect(refused.status).toBe(429)
      expect(await refused.json()).toMatchObject({ success: false, code: 'QUOTA_EXCEEDED' })
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  })
})
