// `keyguard keys …` through the real bin: Limitly's flags, positional ids, tables and --json.

import express from 'express'
import request from 'supertest'
import { adminRouter, apiKeyGuard, flushRequestLogs } from '../../src'
import { useCli } from './run'

describe('keyguard keys', () => {
  const c = useCli()
  const api = () =>
    express().get('/v1/things', apiKeyGuard({ store: c.store }), (_q, r) => {
      r.json({})
    })

  it("creates a key with Limitly's flags; the printed secret works", async () => {
    await c.json('plans', 'create', '--id', 'plan_456', '--name', 'Plan 456', '--monthly', '1000')
    const { data } = await c.json(
      'keys',
      'create',
      '--name',
      'Test Key',
      '--user-id',
      '123',
      '--plan-id',
      'plan_456',
      '--category',
      'cli',
      '--scopes',
      'reports:read,reports:write',
      '--expires-at',
      '2099-01-01T00:00:00Z',
      '--daily',
      '1000',
      '--per-second',
      '10',
      '--burst',
      '20',
      '--metadata',
      '{"team":"data"}',
    )
    expect(data).toMatchObject({
      name: 'Test Key',
      user_id: 123,
      plan_id: 'plan_456',
      category: 'cli',
      scopes: ['reports:read', 'reports:write'],
      expires_at: '2099-01-01T00:00:00.000Z',
      quotas: { daily: 1000 },
      rate: { per_second: 10, burst: 20 },
      metadata: { team: 'data' },
      type: 'sk',
    })
    const res = await request(api())
      .get('/v1/things')
      .set('Authorization', `Bearer ${data.api_key}`)
    expect(res.status).toBe(200)
  })

  it('prints a table by default, and the secret once with a note on stderr', async () => {
    const created = await c.kg('keys', 'create', '--name', 'Human')
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^id\s+[0-9A-Za-z]{20}$/m)
    expect(created.stdout).toMatch(/^api_key\s+kg_sk_[0-9A-Za-z]{48}$/m)
    expect(created.stderr).toMatch(/shown only this once/)
    const list = await c.kg('keys', 'list', '--limit', '100')
    expect(list.code).toBe(0)
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS\s+USER\s+PLAN/)
    expect(list.stdout).toMatch(/Human/)
    expect(list.stdout).toMatch(/\d+ key\(s\); page 1, 100 per page/)
    expect(list.stdout).not.toMatch(/kg_sk_/)
  })

  it("`api-keys` is an alias of `keys`, as in Limitly's CLI", async () => {
    const created = await c.json('api-keys', 'create', '--name', 'Aliased', '--user-id', '123')
    expect(created.data.name).toBe('Aliased')
    expect(String(created.data.user_id)).toBe('123')
    expect((await c.json('api-keys', 'get', '--key-id', created.data.id)).data.name).toBe('Aliased')
  })

  it('keys revoke: the key is revoked for good, once; an update of it exits 1', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Revocable')
    const revoked = await c.kg('keys', 'revoke', data.id)
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toBe(`Revoked ${data.id}\n`)
    expect((await c.kg('keys', 'revoke', '--key-id', data.id)).stdout).toBe(
      `${data.id} was already revoked\n`,
    )
    expect((await c.json('keys', 'get', data.id)).data.status).toBe('revoked')
    const update = await c.kg('keys', 'update', data.id, '--status', 'active')
    expect(update.code).toBe(1)
    expect(update.stderr).toMatch(/is revoked: it can never be changed or reactivated/)
  })

  it('get, update and delete take the id as an argument or as --key-id', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Lifecycle', '--daily', '5')
    expect((await c.json('keys', 'get', data.id)).data.name).toBe('Lifecycle')
    expect((await c.json('keys', 'get', '--key-id', data.id)).data.id).toBe(data.id)
    const updated = await c.json(
      'keys',
      'update',
      '--key-id',
      data.id,
      '--name',
      'Updated Name',
      '--status',
      'inactive',
      '--daily',
      'none',
      '--weekly',
      '50',
      '--scopes',
      '',
    )
    expect(updated.data).toMatchObject({ name: 'Updated Name', status: 'inactive', scopes: [] })
    expect(updated.data.quotas).toEqual({ daily: null, weekly: 50 })
    const deleted = await c.kg('keys', 'delete', data.id)
    expect(deleted.code).toBe(0)
    expect(deleted.stdout.trim()).toBe('API key deleted successfully')
    expect((await c.kg('keys', 'get', data.id)).code).toBe(1)
  })

  it('refuses to delete a used key: exit 1 with one line saying to deactivate it', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Used')
    await request(api()).get('/v1/things').set('X-API-Key', data.api_key)
    const refused = await c.kg('keys', 'delete', data.id)
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/^keyguard: .*deactivate it instead/)
  })

  it('regenerates with a grace period; both secrets work during it', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Rotate')
    const fresh = await c.json('keys', 'regenerate', data.id, '--grace-seconds', '60')
    expect(fresh.data.id).toBe(data.id)
    expect(fresh.data.api_key).not.toBe(data.api_key)
    for (const token of [data.api_key, fresh.data.api_key]) {
      expect((await request(api()).get('/v1/things').set('X-API-Key', token)).status).toBe(200)
    }
  })

  it('shows usage and the request log', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Busy', '--daily', '10')
    for (let i = 0; i < 3; i++)
      await request(api()).get('/v1/things?x=1').set('X-API-Key', data.api_key)
    await flushRequestLogs(c.store)
    const usage = await c.json('keys', 'usage', data.id)
    expect(usage.data).toMatchObject({ current_usage: 3, limit: 10, remaining: 7, period: 'day' })
    const human = await c.kg('keys', 'usage', data.id)
    expect(human.stdout).toMatch(/^3 of 10 used this day, 7 remaining/)
    expect(human.stdout).toMatch(/^daily\s+3\s+10\s+7/m)

    const requests = await c.json('keys', 'requests', data.id, '--limit', '2')
    expect(requests.data.count).toBe(3)
    expect(requests.data.requests).toHaveLength(2)
    expect(requests.data.requests[0]).toMatchObject({
      method: 'GET',
      endpoint: '/v1/things',
      status: 'allowed',
    })
    const table = await c.kg('keys', 'requests', '--key-id', data.id)
    expect(table.stdout).toMatch(/^TIME\s+METHOD\s+ENDPOINT\s+STATUS\s+CODE/)
    expect(table.stdout).toMatch(/3 request\(s\) logged/)
  })

  it('lists with filters and pagination', async () => {
    for (const name of ['F1', 'F2', 'F3']) {
      await c.json(
        'keys',
        'create',
        '--name',
        name,
        '--user-id',
        'filter-user',
        '--category',
        'filtered',
      )
    }
    const page = await c.json(
      'keys',
      'list',
      '--user-id',
      'filter-user',
      '--limit',
      '2',
      '--page',
      '2',
    )
    expect(page).toMatchObject({ count: 3, page: 2, limit: 2 })
    expect(page.data.map((k: { name: string }) => k.name)).toEqual(['F1'])
    expect(
      (await c.json('keys', 'list', '--category', 'filtered', '--status', 'inactive')).count,
    ).toBe(0)
  })

  it('`keys create --name admin --scopes admin` makes a key for the admin API', async () => {
    const { data } = await c.json(
      'keys',
      'create',
      '--name',
      'admin',
      '--scopes',
      'admin',
      '--type',
      'pat',
    )
    expect(data.api_key).toMatch(/^kg_pat_/)
    const admin = express().use(adminRouter({ store: c.store }))
    const res = await request(admin).get('/keys').set('Authorization', `Bearer ${data.api_key}`)
    expect(res.status).toBe(200)
  })
})
