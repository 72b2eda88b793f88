// `keyguard users …` through the real bin: CRUD, disabling, keys, usage, 409 on delete, flag errors.

import { useCli } from './run'

describe('keyguard users', () => {
  const c = useCli()

  it('creates, lists, gets, updates and deletes a user', async () => {
    const created = await c.json('users', 'create', '--name', 'Ada', '--email', 'ada@example.com')
    expect(created.data).toMatchObject({
      user_id: 1,
      name: 'Ada',
      email: 'ada@example.com',
      is_disabled: false,
    })
    const named = await c.json('users', 'create', '--user-id', 'team-blue', '--name', 'Blue')
    expect(named.data.user_id).toBe('team-blue')

    const table = await c.kg('users', 'list')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^USER ID\s+NAME\s+EMAIL\s+STATE\s+PLAN\s+CREATED/)
    expect(table.stdout).toMatch(/^1\s+Ada\s+ada@example\.com\s+enabled\s+-\s+\S+$/m)
    expect(table.stdout).toMatch(/^team-blue\s+Blue\s+-\s+enabled/m)
    expect(table.stdout).toMatch(/^2 user\(s\)$/m)

    const updated = await c.json('users', 'update', '1', '--disabled', 'true', '--email', 'none')
    expect(updated.data).toMatchObject({ user_id: 1, is_disabled: true, email: null })
    const shown = await c.kg('users', 'get', '1')
    expect(shown.stdout).toMatch(/^is_disabled\s+true$/m)

    const audit = await c.json('audit', '--target-type', 'user', '--target-id', '1')
    expect(audit.data.map((r: { action: string }) => r.action)).toEqual([
      'user.update',
      'user.create',
    ])

    expect((await c.json('users', 'delete', '1')).data.message).toBe('User deleted successfully')
    const gone = await c.kg('users', 'get', '1')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/User not found/)
  })

  it("lists a user's keys and usage; refuses to delete a user with keys (exit 1)", async () => {
    await c.json('plans', 'create', '--id', 'metered', '--name', 'Metered', '--daily', '100')
    const user = (await c.json('users', 'create', '--name', 'Keyholder', '--plan-id', 'metered'))
      .data
    const key = (
      await c.json('keys', 'create', '--name', 'Theirs', '--user-id', String(user.user_id))
    ).data
    const keys = await c.json('users', 'keys', String(user.user_id))
    expect(keys.data.map((k: { id: string }) => k.id)).toEqual([key.id])
    expect(keys.count).toBe(1)
    // A key without a plan takes its user's.
    expect((await c.json('keys', 'usage', key.id)).data.windows).toEqual([
      expect.objectContaining({ period: 'daily', limit: 100, used: 0 }),
    ])

    const usage = await c.json('users', 'usage', String(user.user_id))
    expect(usage.data).toMatchObject({
      type: 'user',
      user_name: 'Keyholder',
      plan_name: 'Metered',
      current_usage: 0,
      limit: 100,
      keys_count: 1,
    })
    const human = await c.kg('users', 'usage', String(user.user_id))
    expect(human.stdout).toMatch(/^limit\s+100$/m)

    const refused = await c.kg('users', 'delete', String(user.user_id))
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/1 key\(s\)/)
    const asJson = await c.kg('--json', 'users', 'delete', String(user.user_id))
    expect(JSON.parse(asJson.stderr).code).toBe('USER_IN_USE')
  })

  it('refuses bad flags with exit 2 and a clear line', async () => {
    const noChange = await c.kg('users', 'update', '5')
    expect(noChange.code).toBe(2)
    expect(noChange.stderr).toMatch(/nothing to change/)
    const badBool = await c.kg('users', 'update', '5', '--disabled', 'yes')
    expect(badBool.code).toBe(2)
    expect(badBool.stderr).toMatch(/--disabled/)
    const badEmail = await c.kg('users', 'create', '--name', 'x', '--email', 'nope')
    expect(badEmail.code).toBe(2)
    expect(badEmail.stderr).toMatch(/email/)
    const noName = await c.kg('users', 'create')
    expect(noName.code).toBe(2)
    expect(noName.stderr).toMatch(/Name is required|--name/)
  })
})
