// The CLI's rough edges, each reproduced through the real bin: Redis URLs, help, messages, no-op edits, --json errors.

import { spawn } from 'node:child_process'
import type { AuditRecord } from '../../src/audit'
import { testRedisUrl } from '../harness/redis'
import { CLI, run, useCli } from './run'

/** stderr must be exactly one line in the one style every command uses. */
const oneError = (stderr: string): string => {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^keyguard: /)
  return lines[0] ?? ''
}

/** The test Redis URL with another database index (path) or query. */
function urlWith(path: string, query = ''): string {
  const url = new URL(testRedisUrl())
  url.pathname = path
  url.search = query
  return url.toString()
}

describe('keyguard CLI polish', () => {
  const c = useCli()

  const auditOf = async (id: string): Promise<AuditRecord[]> =>
    (await c.json('audit', '--target-id', id, '--limit', '100')).data

  it('refuses a database index that is not a whole number, or that Redis does not have', async () => {
    for (const [path, query] of [
      ['/abc', ''],
      ['/-1', ''],
      ['/1.5', ''],
      ['/', '?db=x'],
    ]) {
      const r = await run([
        '--prefix',
        c.prefix,
        '--redis-url',
        urlWith(path ?? '/', query),
        'keys',
        'list',
      ])
      expect({ path, query, code: r.code }).toEqual({ path, query, code: 2 })
      expect(oneError(r.stderr)).toMatch(
        /invalid --redis-url: the database index .* must be a whole number/,
      )
      expect(r.stdout).toBe('')
    }
    const missing = await run([
      '--prefix',
      c.prefix,
      '--redis-url',
      urlWith('/99999'),
      'keys',
      'list',
    ])
    expect(missing.code).toBe(2)
    expect(oneError(missing.stderr)).toMatch(/invalid --redis-url: Redis has no database 99999/)
    expect(missing.stdout).toBe('')
    // A database that exists is used (read only: this prefix holds nothing there).
    const other = await run(['--prefix', c.prefix, '--redis-url', urlWith('/1'), 'keys', 'list'])
    expect(other.code).toBe(0)
    expect(other.stdout).toMatch(/0 key\(s\)/)
  })

  it('`keyguard help` and `keyguard help <command>` exit 0', async () => {
    const top = await run(['help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/^Usage: keyguard /)
    const keys = await run(['help', 'keys'])
    expect(keys.code).toBe(0)
    expect(keys.stdout).toMatch(/^Usage: keyguard keys\|api-keys /)
    const unknown = await run(['help', 'nonsense'])
    expect(unknown.code).toBe(2)
  })

  it('`keys update --user-id` and `--type` say that they cannot change, not "unknown option"', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Fixed owner', '--user-id', '5')
    for (const flag of [
      ['--user-id', '7'],
      ['--type', 'pat'],
    ]) {
      const r = await c.kg('keys', 'update', data.id, ...flag)
      expect(r.code).toBe(2)
      const line = oneError(r.stderr)
      expect(line).toMatch(new RegExp(`${flag[0]} cannot be changed`))
      expect(line).not.toMatch(/unknown option|did you mean/i)
    }
    expect((await c.json('keys', 'get', data.id)).data).toMatchObject({ user_id: 5, type: 'sk' })
  })

  it('an update that changes nothing writes nothing and records nothing', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Same', '--daily', '5')
    const before = await c.store.loadKey(data.id)
    const audited = (await auditOf(data.id)).length
    const r = await c.kg('keys', 'update', data.id, '--name', 'Same', '--daily', '5')
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/no change/i)
    expect((await c.store.loadKey(data.id))?.version).toBe(before?.version)
    expect((await c.json('keys', 'get', data.id)).data.updated_at).toBe(data.updated_at)
    expect(await auditOf(data.id)).toHaveLength(audited)

    const none = await c.kg('keys', 'update', data.id)
    expect(none.code).toBe(2)
    expect(oneError(none.stderr)).toMatch(/nothing to change/)
  })

  it('a plan edit that changes nothing rewrites no key and records nothing', async () => {
    await c.json('plans', 'create', '--id', 'steady', '--name', 'Steady', '--daily', '50')
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await c.json('keys', 'create', '--name', `On steady ${i}`, '--plan-id', 'steady')).data.id,
      )
    }
    const versions = async () =>
      Promise.all(ids.map(async (id) => (await c.store.loadKey(id))?.version))
    const before = await versions()
    const plan = await c.store.loadPlan('steady')
    const audited = (await auditOf('steady')).length
    const r = await c.kg('plans', 'update', 'steady', '--daily', '50', '--name', 'Steady')
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/no change/i)
    expect(await versions()).toEqual(before)
    expect((await c.store.loadPlan('steady'))?.version).toBe(plan?.version)
    expect(await auditOf('steady')).toHaveLength(audited)
    expect((await c.kg('plans', 'update', 'steady')).code).toBe(2)
  })

  it('audits the admin key that `keyguard serve` creates on its first run', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '--prefix', c.prefix, '--json', 'serve', '--port', '0'],
      { env: { ...process.env, REDIS_URL: testRedisUrl() }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
      })
      const admin = JSON.parse(line).admin_key
      expect(admin).toMatchObject({ name: 'admin', scopes: ['admin'] })
      const records = await auditOf(admin.id)
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        action: 'key.create',
        actor: 'cli',
        target: { type: 'key', id: admin.id },
      })
      expect(JSON.stringify(records)).not.toContain(admin.api_key)
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  })

  it('says what --grace-seconds accepts instead of a raw schema message', async () => {
    const { data } = await c.json('keys', 'create', '--name', 'Grace')
    for (const value of ['99999999', '-1', '1.5', 'soon']) {
      const r = await c.kg('keys', 'regenerate', data.id, '--grace-seconds', value)
      expect({ value, code: r.code }).toEqual({ value, code: 2 })
      const line = oneError(r.stderr)
      expect(line).toBe(
        'keyguard: invalid --grace-seconds: must be a whole number of seconds from 0 to 2592000 (30 days)',
      )
    }
  })

  it('every failure, of commander or of keyguard, is one line in one style', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['keys', 'create', '--daily', 'lots'],
        'keyguard: invalid --daily: must be a whole number, or "none"',
      ],
      [
        ['keys', 'create', '--name', 'x', '--status', 'paused'],
        'keyguard: invalid --status: must be one of active, inactive',
      ],
      [['keys', 'create', '--bogus'], "keyguard: unknown option '--bogus'"],
      [
        ['keys', 'get', '--key-idd', 'x'],
        "keyguard: unknown option '--key-idd' (did you mean --key-id?)",
      ],
      [['nonsense'], "keyguard: unknown command 'nonsense'"],
      [['plans', 'update'], "keyguard: missing required argument 'id'"],
      [['keys', 'create', '--name'], "keyguard: option '--name <name>' argument missing"],
      [
        ['keys', 'get', 'a', 'b'],
        "keyguard: too many arguments for 'get'. Expected 1 argument but got 2.",
      ],
      [
        ['keys', 'get', '00000000000000000000'],
        'keyguard: API key not found: 00000000000000000000',
      ],
      [['keys', 'create'], 'keyguard: invalid --name: Name is required'],
    ]
    for (const [args, line] of cases) {
      const r = await c.kg(...args)
      expect({ args, line: oneError(r.stderr) }).toEqual({ args, line })
      expect(r.stdout).toBe('')
    }
  })

  it('a conflict exits 1 wherever it happens: an existing plan id as a key in use', async () => {
    await c.json('plans', 'create', '--id', 'taken', '--name', 'Taken')
    const dup = await c.kg('plans', 'create', '--id', 'taken', '--name', 'Again')
    expect(dup.code).toBe(1)
    expect(oneError(dup.stderr)).toBe('keyguard: A plan with id "taken" already exists')
  })

  it('--json prints errors as JSON on stderr, with the code and the exit code', async () => {
    const cases: Array<[string[], Record<string, unknown>]> = [
      [
        ['keys', 'get', '00000000000000000000'],
        { code: 'API_KEY_NOT_FOUND', exit_code: 1, details: { id: '00000000000000000000' } },
      ],
      [['keys', 'create', '--daily', 'lots'], { code: 'USAGE_ERROR', exit_code: 2 }],
      [['keys', 'create'], { code: 'VALIDATION_ERROR', exit_code: 2 }],
      [['nonsense'], { code: 'USAGE_ERROR', exit_code: 2 }],
    ]
    for (const [args, expected] of cases) {
      const r = await c.kg('--json', ...args)
      expect({ args, code: r.code }).toEqual({ args, code: expected.exit_code })
      expect(r.stdout).toBe('')
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      const body = JSON.parse(lines[0] ?? '')
      expect(body).toMatchObject(expected)
      expect(typeof body.error).toBe('string')
    }
    const down = await run(['--json', 'keys', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(down.code).toBe(3)
    expect(JSON.parse(down.stderr)).toMatchObject({ code: 'REDIS_UNAVAILABLE', exit_code: 3 })
  })

  it('`keys create --help` offers no "none to clear"; `keys update --help` does', async () => {
    const create = await run(['keys', 'create', '--help'])
    expect(create.stdout).not.toMatch(/"none"/)
    expect(create.stdout).toMatch(/--daily <n>/)
    const update = await run(['keys', 'update', '--help'])
    expect(update.stdout).toMatch(/"none" clears/)
    const plans = await run(['plans', 'create', '--help'])
    expect(plans.stdout).not.toMatch(/"none"/)
  })

  it('`keys get` shows every effective limit and where it comes from', async () => {
    await c.json(
      'plans',
      'create',
      '--id',
      'shown',
      '--name',
      'Shown',
      '--per-second',
      '10',
      '--daily',
      '1000',
    )
    const { data } = await c.json(
      'keys',
      'create',
      '--name',
      'Mixed',
      '--plan-id',
      'shown',
      '--daily',
      '5',
      '--total',
      '9',
    )
    const r = await c.kg('keys', 'get', data.id)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^quotas\s+total=9 \(key\), daily=5 \(key\)$/m)
    expect(r.stdout).toMatch(/^rate\s+per_second=10 \(plan shown\)$/m)
    const bare = await c.json('keys', 'create', '--name', 'Bare')
    expect((await c.kg('keys', 'get', bare.data.id)).stdout).toMatch(/^rate\s+none$/m)
  })
})
