// `keyguard plans …` through the real bin: CRUD, progress while a plan edit rewrites its keys, 409.

import { useCli } from './run'

describe('keyguard plans', () => {
  const c = useCli()

  it('creates, lists, gets, updates with progress, and deletes a plan', async () => {
    const created = await c.json(
      'plans',
      'create',
      '--id',
      'pro',
      '--name',
      'Pro',
      '--per-second',
      '10',
      '--burst',
      '20',
      '--daily',
      '1000',
      '--quota-window',
      'calendar',
      '--rate-scope',
      'user',
    )
    expect(created.data).toMatchObject({
      id: 'pro',
      name: 'Pro',
      rate: { per_second: 10, burst: 20 },
      quotas: { daily: 1000 },
      quota_window: 'calendar',
      rate_scope: 'user',
    })
    const table = await c.kg('plans', 'list')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^ID\s+NAME\s+RATE\s+QUOTAS\s+WINDOW\s+RATE SCOPE/)
    expect(table.stdout).toMatch(
      /^pro\s+Pro\s+per_second=10 burst=20\s+daily=1000\s+calendar\s+user$/m,
    )
    expect((await c.json('plans', 'get', 'pro')).data.name).toBe('Pro')

    const made: string[] = []
    for (let i = 0; i < 3; i++) {
      made.push(
        (await c.json('keys', 'create', '--name', `On pro ${i}`, '--plan-id', 'pro')).data.id,
      )
    }
    const updated = await c.kg(
      'plans',
      'update',
      'pro',
      '--daily',
      'none',
      '--weekly',
      '5000',
      '--per-minute',
      '600',
    )
    expect(updated.code).toBe(0)
    expect(updated.stderr).toMatch(/Rewriting the limits of the keys on plan "pro": 3\/3/)
    expect(updated.stdout).toMatch(/^quotas\s+weekly=5000$/m)
    const [first] = (await c.store.loadKeyRecords?.(made)) ?? []
    expect(first?.limits).toMatchObject({
      daily: null,
      weekly: 5000,
      per_minute: 600,
      per_second: 10,
    })

    const busy = await c.kg('plans', 'delete', 'pro')
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(/^keyguard: This plan is used by 3 key\(s\)/)
    for (const id of made)
      expect((await c.kg('keys', 'update', id, '--plan-id', 'none')).code).toBe(0)
    const deleted = await c.kg('plans', 'delete', 'pro')
    expect(deleted.code).toBe(0)
    expect(deleted.stdout.trim()).toBe('Plan deleted successfully')
    expect((await c.kg('plans', 'get', 'pro')).code).toBe(1)
  })

  it('refuses a duplicate id as a conflict (exit 1) and a bad id as bad usage (exit 2)', async () => {
    await c.json('plans', 'create', '--id', 'basic', '--name', 'Basic')
    const dup = await c.kg('plans', 'create', '--id', 'basic', '--name', 'Again')
    expect(dup.code).toBe(1)
    expect(dup.stderr).toMatch(/^keyguard: A plan with id "basic" already exists/)
    const bad = await c.kg('plans', 'create', '--id', 'has space', '--name', 'x')
    expect(bad.code).toBe(2)
  })
})
