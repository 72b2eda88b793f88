// `keyguard users …`: create, list, get, update (disable, plan), delete users; their keys and usage.

import { type Command, Option } from 'commander'
import type { User } from '../types'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import { type Clearable, given, stringOrNone, userId } from './flags'
import { fields, print, table } from './format'

interface UserFlags {
  userId?: string | number
  name?: string
  email?: Clearable<string>
  planId?: Clearable<string>
  customStart?: Clearable<string>
  disabled?: 'true' | 'false'
}

function userPairs(user: User): Array<[string, unknown]> {
  return [
    ['user_id', String(user.user_id)],
    ['name', user.name],
    ['email', user.email],
    ['is_disabled', String(user.is_disabled)],
    ['plan_id', user.plan_id],
    ['custom_start', user.custom_start],
    ['created_at', user.created_at],
    ['updated_at', user.updated_at],
  ]
}

/** `create` says what a flag left out means; `update` that it keeps the value, and how to clear it. */
function userOptions(cmd: Command, mode: 'create' | 'update'): Command {
  const create = mode === 'create'
  const clearable = (what: string): string =>
    create ? `${what}. Defaults to none` : `${what}; "none" clears it. Defaults to unchanged`
  return cmd
    .option(
      '--name <name>',
      create ? "the user's name (required)" : "the user's name. Defaults to unchanged",
    )
    .option('--email <email>', clearable('email address'), stringOrNone)
    .option(
      '--plan-id <id>',
      clearable("the plan of the user's keys that have none of their own"),
      stringOrNone,
    )
    .option(
      '--custom-start <date>',
      clearable('start of the billing period, ISO 8601 (e.g. 2026-01-15T00:00:00Z)'),
      stringOrNone,
    )
    .addOption(
      new Option(
        '--disabled <bool>',
        `true refuses every key of the user (401 INACTIVE_API_KEY) from the next request on; false lets them in. Defaults to ${create ? 'false' : 'unchanged'}`,
      ).choices(['true', 'false']),
    )
}

function userInput(o: UserFlags): Record<string, unknown> {
  return {
    ...given({
      user_id: o.userId,
      name: o.name,
      email: o.email,
      plan_id: o.planId,
      custom_start: o.customStart,
      is_disabled: o.disabled === undefined ? undefined : o.disabled === 'true',
    }),
  }
}

export function usersCommand(program: Command): void {
  const users = program.command('users').description('manage users (the owners of keys)')

  userOptions(
    users
      .command('create')
      .description('create a user')
      .option(
        '--user-id <id>',
        'user id: a whole number, or letters, digits and _ . : @ + -. Defaults to the next free number',
        userId,
      ),
    'create',
  ).action(async (o: UserFlags, cmd: Command) => {
    await withStore(cmd, async (conn) => {
      const result = await conn.keys.users.create(userInput(o) as never)
      await recordAudit(conn, (audit, actor) => audit.userCreated(actor, result.data))
      print(globalOptions(cmd).json, result, () => fields(userPairs(result.data)))
    })
  })

  users
    .command('list')
    .description('list users, by user id')
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.users.list()
        print(globalOptions(cmd).json, result, () => {
          const rows = result.data.map((u) => [
            String(u.user_id),
            u.name,
            u.email,
            u.is_disabled ? 'disabled' : 'enabled',
            u.plan_id,
            u.created_at,
          ])
          const head = ['USER ID', 'NAME', 'EMAIL', 'STATE', 'PLAN', 'CREATED']
          return `${table(head, rows)}\n${result.count} user(s)`
        })
      })
    })

  users
    .command('get <user_id>')
    .description('show a user')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.users.get(id)
        print(globalOptions(cmd).json, result, () => fields(userPairs(result.data)))
      })
    })

  userOptions(
    users
      .command('update <user_id>')
      .description('change a user; its keys follow a new plan or disabled state at once'),
    'update',
  ).action(async (id: string, o: UserFlags, cmd: Command) => {
    const input = userInput(o)
    if (Object.keys(input).length === 0) {
      throw new CliError(
        'nothing to change: give the flags to change, e.g. --disabled true',
        EXIT.usage,
      )
    }
    await withStore(cmd, async (conn) => {
      const { data, before, changed } = await conn.keys.users.edit(id, input as never)
      if (changed) await recordAudit(conn, (audit, actor) => audit.userUpdated(actor, before, data))
      else process.stderr.write('No change: the user already has these values.\n')
      print(globalOptions(cmd).json, { data }, () => fields(userPairs(data)))
    })
  })

  users
    .command('delete <user_id>')
    .description('delete a user who has no keys')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async (conn) => {
        const { data, before } = await conn.keys.users.remove(id)
        await recordAudit(conn, (audit, actor) => audit.userDeleted(actor, before))
        print(globalOptions(cmd).json, { data }, () => data.message)
      })
    })

  users
    .command('keys <user_id>')
    .description("list a user's keys, newest first (create one with keys create --user-id)")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.users.keys(id)
        print(globalOptions(cmd).json, result, () => {
          const rows = result.data.map((k) => [
            k.id,
            k.name,
            k.type,
            k.status,
            k.plan_id,
            k.last_used_at,
            k.created_at,
          ])
          const head = ['ID', 'NAME', 'TYPE', 'STATUS', 'PLAN', 'LAST USED', 'CREATED']
          return `${table(head, rows)}\n${result.count} key(s)`
        })
      })
    })

  users
    .command('usage <user_id>')
    .description("a user's usage in its plan's period")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.users.usage(id)
        const u = result.data
        print(globalOptions(cmd).json, result, () =>
          fields([
            ['user_name', u.user_name],
            ['plan_name', u.plan_name],
            ['current_usage', String(u.current_usage)],
            ['limit', u.is_unlimited ? 'unlimited' : String(u.limit)],
            ['percentage_used', u.percentage_used === null ? null : `${u.percentage_used}%`],
            ['period_start', u.period_start],
            ['period_end', u.period_end],
            ['keys_count', String(u.keys_count)],
          ]),
        )
      })
    })
}
