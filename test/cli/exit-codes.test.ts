// The CLI's exit codes (0 ok, 1 not found/in use/conflict, 2 bad usage, 3 Redis down) and one-line reasons.

import { startRedisServer } from '../harness/redis-server'
import { run, useCli } from './run'

const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0] ?? ''
}

describe('keyguard exit codes', () => {
  const c = useCli()

  it('1 for a key or plan that does not exist', async () => {
    const cases: Array<[string[], string]> = [
      [['keys', 'get', '00000000000000000000'], 'API key not found'],
      [['keys', 'usage', 'not-a-key-id'], 'API key not found'],
      [['keys', 'delete', '--key-id', '00000000000000000000'], 'API key not found'],
      [['plans', 'get', 'missing'], 'Plan not found'],
      [['plans', 'delete', 'missing'], 'Plan not found'],
      [['inspect', '00000000000000000000'], 'API key not found'],
    ]
    for (const [args, message] of cases) {
      const r = await c.kg(...args)
      expect({ args, code: r.code }).toEqual({ args, code: 1 })
      expect(oneLine(r.stderr).startsWith(`keyguard: ${message}`)).toBe(true)
      expect(r.stdout).toBe('')
    }
  })

  it('2 for bad flags and invalid input, with the flag named', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'create', '--daily', 'lots'], /--daily/],
      [
        ['keys', 'create', '--name', 'x', '--status', 'paused'],
        /invalid --status: must be one of active, inactive/,
      ],
      [['keys', 'create', '--name', 'x', '--type', 'ct'], /--type/],
      [['keys', 'create'], /invalid --name: Name is required/],
      [['keys', 'create', '--name', 'x', '--expires-at', 'someday'], /invalid --expires-at/],
      [['keys', 'create', '--name', 'x', '--scopes', 'bad scope'], /invalid --scopes/],
      [['keys', 'create', '--name', 'x', '--metadata', '[1]'], /--metadata/],
      [['keys', 'create', '--bogus'], /unknown option '--bogus'/],
      [['keys', 'list', '--limit', '500'], /invalid --limit: max 100/],
      [['keys', 'list', '--page', '0'], /--page/],
      [['keys', 'get'], /missing key id/],
      [['keys', 'get', 'a', '--key-id', 'b'], /two different key ids/],
      [['keys', 'get', 'a', 'b'], /too many arguments/],
      [['keys', 'regenerate', 'x', '--grace-seconds', '-1'], /--grace-seconds|unknown option/],
      [
        ['plans', 'create', '--name', 'x', '--quota-window', 'weekly'],
        /invalid --quota-window: must be one of rolling, calendar/,
      ],
      [['plans', 'update'], /missing required argument/],
      [['serve', '--port', '70000'], /--port/],
      [['nonsense'], /unknown command 'nonsense'/],
    ]
    for (const [args, reason] of cases) {
      const r = await c.kg(...args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(oneLine(r.stderr)).toMatch(reason)
    }
  })

  it('2 with the help text when a command group is given no command', async () => {
    const r = await c.kg('keys')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Usage: keyguard keys/)
  })

  it('0 and usage for --help on every command', async () => {
    const commands = [
      [],
      ['keys'],
      ...['create', 'list', 'get', 'update', 'delete', 'regenerate', 'usage', 'requests'].map(
        (s) => ['keys', s],
      ),
      ['plans'],
      ...['create', 'list', 'get', 'update', 'delete'].map((s) => ['plans', s]),
      ['inspect'],
      ['serve'],
    ]
    for (const command of commands) {
      const r = await run([...command, '--help'])
      expect({ command, code: r.code }).toEqual({ command, code: 0 })
      expect(r.stdout).toMatch(new RegExp(`^Usage: keyguard ${command.join(' ')}`))
    }
    expect((await run(['keys', 'create', '--help'])).stdout).toMatch(/--user-id <id>/)
    expect((await run(['--help'])).stdout).toMatch(
      /Exit codes: 0 success, 1 not found, in use or conflict, 2 bad usage/,
    )
  })

  it('3 and one clear line, fast, when Redis is unreachable', async () => {
    const started = Date.now()
    const r = await run(['keys', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(r.code).toBe(3)
    expect(oneLine(r.stderr)).toMatch(
      /^keyguard: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/?: .*ECONNREFUSED/,
    )
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(Date.now() - started).toBeLessThan(10000)
    const masked = await run(['--redis-url', 'redis://:hunter2@127.0.0.1:1', 'plans', 'list'])
    expect(masked.code).toBe(3)
    expect(masked.stderr).not.toMatch(/hunter2/)
  })

  it('3, not a hang, when Redis accepts the connection but never answers', async () => {
    const server = await startRedisServer()
    server.pause()
    try {
      const started = Date.now()
      const r = await run(['keys', 'list'], { REDIS_URL: server.url })
      expect(r.code).toBe(3)
      expect(oneLine(r.stderr)).toMatch(/^keyguard: cannot reach Redis at .*did not answer within/)
      expect(Date.now() - started).toBeLessThan(15000)
    } finally {
      server.resume()
      await server.stop()
    }
  })
})
