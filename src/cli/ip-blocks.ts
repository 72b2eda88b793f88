// `keyguard ip-blocks …`: list the IPs blocked after failed authentications, and unblock one.

import type { Command } from 'commander'
import { ipBlockerFor, parseIpGroup } from '../ip-block'
import { withTimeout } from '../store'
import {
  CLI_COMMAND_TIMEOUT_MS,
  CliError,
  EXIT,
  globalOptions,
  recordAudit,
  withStore,
} from './context'
import { print, table } from './format'

export function ipBlocksCommand(program: Command): void {
  const blocks = program
    .command('ip-blocks')
    .description('IPs (IPv6: /64s) blocked after too many failed authentications')

  blocks
    .command('list')
    .description('list the IPs blocked now, soonest unblocked first')
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ store }) => {
        const list = await withTimeout(
          ipBlockerFor(store).list(),
          CLI_COMMAND_TIMEOUT_MS,
          'Redis IP block list',
        )
        const result = { data: list, count: list.length }
        print(globalOptions(cmd).json, result, () => {
          const rows = list.map((b) => [b.ip, b.blocked_until])
          return `${table(['IP', 'BLOCKED UNTIL'], rows)}\n${list.length} blocked`
        })
      })
    })

  blocks
    .command('unblock <ip>')
    .description('lift the block of an IP, an IPv6 address or an IPv6 /64 (e.g. 2001:db8:1:2::/64)')
    .action(async (ip: string, _o: unknown, cmd: Command) => {
      const group = parseIpGroup(ip)
      if (group === null) {
        throw new CliError(
          `invalid <ip>: must be an IPv4 or IPv6 address, or an IPv6 /64 like 2001:db8:1:2::/64`,
          EXIT.usage,
        )
      }
      await withStore(cmd, async (conn) => {
        const blocker = ipBlockerFor(conn.store)
        const work = async (): Promise<boolean> => {
          const before = (await blocker.list()).find((b) => b.ip === group)
          if (!(await blocker.unblock(group))) return false
          await recordAudit(conn, (audit, actor) => audit.ipUnblocked(actor, group, before))
          return true
        }
        if (!(await withTimeout(work(), CLI_COMMAND_TIMEOUT_MS, 'Redis IP unblock'))) {
          throw new CliError(`IP ${group} is not blocked`, EXIT.refused)
        }
        const result = { data: { message: 'IP unblocked' } }
        print(globalOptions(cmd).json, result, () => `IP ${group} unblocked`)
      })
    })
}
