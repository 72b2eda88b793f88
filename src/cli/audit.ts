// `keyguard audit`: the audit trail of admin actions, newest first, with filters.

import type { Command } from 'commander'
import type { AuditRecord } from '../audit'
import { globalOptions, withStore } from './context'
import { given, positiveInt } from './flags'
import { print, table } from './format'

interface AuditFlags {
  action?: string
  targetId?: string
  targetType?: string
  page?: number
  limit?: number
}

function auditText(page: {
  data: AuditRecord[]
  count: number
  page: number
  limit: number
}): string {
  const rows = page.data.map((r) => [
    r.time,
    r.action,
    r.actor,
    `${r.target.type}:${r.target.id}`,
    r.ip,
    Object.keys(r.changes).join(', '),
  ])
  const head = ['TIME', 'ACTION', 'ACTOR', 'TARGET', 'IP', 'CHANGED']
  return `${table(head, rows)}\n${page.count} record(s); page ${page.page}, ${page.limit} per page`
}

export function auditCommand(program: Command): void {
  program
    .command('audit')
    .description('show the audit trail of admin actions, newest first (--json for every change)')
    .option(
      '--action <action>',
      'only this action, e.g. key.create, key.deactivate, ip.unblock. Defaults to every action',
    )
    .option(
      '--target-id <id>',
      'only actions on this key, plan or IP (a client token: its key). Defaults to any',
    )
    .option(
      '--target-type <type>',
      'only actions on a key, plan, user, token or ip. Defaults to any',
    )
    .option('--page <n>', 'page number. Defaults to 1', positiveInt)
    .option('--limit <n>', 'records per page, at most 100. Defaults to 10', positiveInt)
    .action(async (o: AuditFlags, cmd: Command) => {
      await withStore(cmd, async ({ audit }) => {
        const result = await audit.list(
          given({
            action: o.action,
            target_id: o.targetId,
            target_type: o.targetType,
            page: o.page,
            limit: o.limit,
          }) ?? {},
        )
        print(globalOptions(cmd).json, result, () => auditText(result))
      })
    })
}
