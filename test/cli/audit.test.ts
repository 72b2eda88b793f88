// `keyguard audit` through the real bin: changing commands are recorded as actor "cli", then read back.

import type { AuditRecord } from '../../src/audit'
import { secretOf } from '../harness/secrets'
import { useCli } from './run'

describe('keyguard audit', () => {
  const c = useCli()
  let keyId = ''
  const tokens: string[] = []

  beforeAll(async () => {
    await c.json('plans', 'create', '--id', 'audited', '--name', 'Audited', '--daily', '10')
    const created = await c.json('keys', 'create', '--name', 'CLI key', '--plan-id', 'audited')
    keyId = created.data.id
    tokens.push(created.data.api_key)
    await c.json('keys', 'update', keyId, '--name', 'CLI key 2')
    await c.json('keys', 'update', keyId, '--status', 'inactive')
    tokens.push((await c.json('keys', 'regenerate', keyId, '--grace-seconds', '30')).data.api_key)
    await c.json('plans', 'update', 'audited', '--daily', '20')
    await c.json('keys', 'update', keyId, '--plan-id', 'none')
    await c.json('plans', 'delete', 'audited')
    await c.json('keys', 'delete', keyId)
  })

  it('records every change made from the CLI, as actor "cli" without an IP', async () => {
    const page = await c.json('audit', '--limit', '100')
    expect(page).toMatchObject({ page: 1, limit: 100, count: 9 })
    expect(page.data.map((r: AuditRecord) => r.action)).toEqual([
      'key.delete',
      'plan.delete',
      'key.update',
      'plan.update',
      'key.regenerate',
      'key.deactivate',
      'key.update',
      'key.create',
      'plan.create',
    ])
    for (const r of page.data as AuditRecord[]) {
      expect(r.actor).toBe('cli')
      expect(r.ip).toBeNull()
      expect(Number.isNaN(Date.parse(r.time))).toBe(false)
    }
    const byId = (action: string): AuditRecord | undefined =>
      (page.data as AuditRecord[]).find((r) => r.action === action)
    expect(byId('key.deactivate')?.changes).toEqual({ status: { from: 'active', to: 'inactive' } })
    // Limitly's max_requests is read from the quotas, so it changes with them.
    expect(byId('plan.update')?.changes).toEqual({
      quotas: { from: { daily: 10 }, to: { daily: 20 } },
      max_requests: { from: 10, to: 20 },
    })
    expect(byId('key.create')?.target).toEqual({ type: 'key', id: keyId })
    // What the CLI wrote is what the store reads back.
    expect((await c.store.audit({ page: 1, limit: 100 })).count).toBe(9)
  })

  it('filters by --action, --target-id and --target-type, and pages', async () => {
    const updates = await c.json('audit', '--action', 'key.update')
    expect(updates.count).toBe(2)
    expect(updates.data.every((r: AuditRecord) => r.action === 'key.update')).toBe(true)
    const plan = await c.json('audit', '--target-id', 'audited')
    expect(plan.data.map((r: AuditRecord) => r.action)).toEqual([
      'plan.delete',
      'plan.update',
      'plan.create',
    ])
    const keys = await c.json('audit', '--target-type', 'key', '--limit', '100')
    expect(keys.count).toBe(6)
    const second = await c.json('audit', '--page', '2', '--limit', '4')
    expect(second).toMatchObject({ page: 2, limit: 4, count: 9 })
    expect(second.data.map((r: AuditRecord) => r.action)).toEqual([
      'key.regenerate',
      'key.deactivate',
      'key.update',
      'key.create',
    ])
  })

  it('prints a table by default', async () => {
    const r = await c.kg('audit', '--action', 'key.deactivate')
    expect(r.code).toBe(0)
    const [head, row, summary] = r.stdout.trimEnd().split('\n')
    expect(head).toMatch(/^TIME\s+ACTION\s+ACTOR\s+TARGET\s+IP\s+CHANGED$/)
    expect(row).toMatch(new RegExp(`key\\.deactivate\\s+cli\\s+key:${keyId}\\s+-\\s+status$`))
    expect(summary).toBe('1 record(s); page 1, 10 per page')
  })

  it('never shows a token or its secret', async () => {
    const all = await c.kg('--json', 'audit', '--limit', '100')
    const table = await c.kg('audit', '--limit', '100')
    for (const token of tokens) {
      for (const out of [all.stdout, table.stdout]) {
        expect(out).not.toContain(token)
        expect(out).not.toContain(secretOf(token))
      }
    }
    expect(all.stdout).toContain('[redacted]')
  })

  it('exits 2 with the flag named on bad input, 0 with usage on --help', async () => {
    for (const [args, reason] of [
      [['audit', '--action', 'key.explode'], /invalid --action: must be one of key\.create/],
      [['audit', '--limit', '500'], /invalid --limit: max 100/],
      [['audit', '--page', '0'], /--page/],
      [['audit', '--target-type', 'account'], /invalid --target-type/],
      [['audit', 'extra'], /too many arguments/],
    ] as const) {
      const r = await c.kg(...args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(reason)
    }
    const help = await c.kg('audit', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: keyguard audit/)
    expect(help.stdout).toMatch(/--target-id <id>/)
  })
})
