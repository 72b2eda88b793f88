// `keyguard ip-blocks list|unblock` through the real bin, on blocks made by the library on the same prefix.

import { ipBlockerFor } from '../../src'
import type { AuditRecord } from '../../src/audit'
import { run, useCli } from './run'

describe('keyguard ip-blocks', () => {
  const c = useCli()
  const V4 = '203.0.113.50'
  const V6 = '2001:db8:aa:bb::/64'

  beforeAll(async () => {
    const blocker = ipBlockerFor(c.store, { failures: 3 })
    for (const group of [V4, V6]) {
      for (let i = 0; i < 3; i++) blocker.fail(group, 500)
    }
    // The blocks reach Redis in the background: wait for them before the CLI reads them.
    await blocker.flush()
  })

  it('lists the blocked IPs, as JSON and as a table', async () => {
    const json = await c.json('ip-blocks', 'list')
    expect(json.count).toBe(2)
    expect(json.data.map((b: { ip: string }) => b.ip).sort()).toEqual([V6, V4].sort())
    for (const b of json.data) {
      expect(Date.parse(b.blocked_until)).toBeGreaterThan(Date.now() + 800_000)
    }
    const table = await c.kg('ip-blocks', 'list')
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^IP\s+BLOCKED UNTIL$/)
    expect(
      lines
        .slice(1, 3)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual([V6, V4].sort())
    expect(lines[3]).toBe('2 blocked')
  })

  it('unblocks an IP or a /64 (also named by an address in it), records it, exits 1 when not blocked', async () => {
    const r = await c.kg('ip-blocks', 'unblock', V4)
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(`IP ${V4} unblocked`)
    const v6 = await c.json('ip-blocks', 'unblock', '2001:db8:aa:bb:1::9')
    expect(v6).toEqual({ data: { message: 'IP unblocked' } })
    expect((await c.json('ip-blocks', 'list')).count).toBe(0)

    const again = await c.kg('ip-blocks', 'unblock', V4)
    expect(again.code).toBe(1)
    expect(again.stderr.trim()).toBe(`keyguard: IP ${V4} is not blocked`)
    expect(again.stdout).toBe('')

    const audit = await c.json('audit', '--action', 'ip.unblock')
    expect(audit.count).toBe(2)
    expect(audit.data.map((a: AuditRecord) => a.target)).toEqual([
      { type: 'ip', id: V6 },
      { type: 'ip', id: V4 },
    ])
    for (const a of audit.data as AuditRecord[]) {
      expect(a).toMatchObject({ actor: 'cli', ip: null })
      expect(typeof a.changes.blocked_until?.from).toBe('string')
    }
  })

  it('exits 2 for what is not an IP or a missing argument, 0 with usage on --help', async () => {
    for (const [args, reason] of [
      [['ip-blocks', 'unblock', 'nonsense'], /invalid <ip>/],
      [['ip-blocks', 'unblock', '2001:db8::/48'], /invalid <ip>/],
      [['ip-blocks', 'unblock'], /missing required argument 'ip'/],
      [['ip-blocks', 'list', 'extra'], /too many arguments/],
      [['ip-blocks', 'nonsense'], /unknown command 'nonsense'/],
    ] as const) {
      const r = await c.kg(...args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr).toMatch(reason)
    }
    const group = await c.kg('ip-blocks')
    expect(group.code).toBe(2)
    expect(group.stderr).toMatch(/Usage: keyguard ip-blocks/)
    for (const command of [['ip-blocks'], ['ip-blocks', 'list'], ['ip-blocks', 'unblock']]) {
      const help = await c.kg(...command, '--help')
      expect({ command, code: help.code }).toEqual({ command, code: 0 })
      expect(help.stdout).toMatch(new RegExp(`^Usage: keyguard ${command.join(' ')}`))
    }
  })

  it('exits 3 with one line when Redis is unreachable', async () => {
    const r = await run(['ip-blocks', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^keyguard: cannot reach Redis/)
  })
})
