// `keyguard keys …`: create, list, get, update, delete, regenerate, usage and requests of API keys.

import { type Command, Option } from 'commander'
import type { KeyManager } from '../keys'
import type { Plan } from '../types'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import {
  type Clearable,
  countOrNone,
  given,
  graceSeconds,
  idFrom,
  jsonObject,
  type LimitFlags,
  list,
  positiveInt,
  quotasOf,
  rateOf,
  stringOrNone,
  userId,
} from './flags'
import { fields, print, table } from './format'
import { keyCreditsCommand } from './key-credits'
import { keyImportCommand } from './key-import'
import { keyPairs, requestsText, usageText } from './key-text'

interface KeyFlags extends LimitFlags {
  keyId?: string
  name?: string
  userId?: string | number
  planId?: Clearable<string>
  status?: 'active' | 'inactive'
  category?: Clearable<string>
  scopes?: string[]
  type?: 'sk' | 'pat'
  expiresAt?: Clearable<string>
  metadata?: Record<string, unknown>
}

interface ListFlags {
  page?: number
  limit?: number
  status?: 'active' | 'inactive' | 'revoked'
  category?: string
  userId?: string
  planId?: string
}

const SECRET_NOTE = 'Store the api_key now: it is shown only this once.\n'
const KEY_ID = "the key id, as Limitly's CLI takes it. Defaults to the argument"

/** The key's plan, for showing which limits come from it (a plan deleted meanwhile: none). */
async function planOf(manager: KeyManager, planId: string | null): Promise<Plan | null> {
  if (planId === null) return null
  try {
    return (await manager.plans.get(planId)).data
  } catch {
    return null
  }
}

/** `create` says what a flag left out means; `update` that it keeps the value, and how to clear it. */
function keyOptions(cmd: Command, mode: 'create' | 'update'): Command {
  const create = mode === 'create'
  /** A limit: on create, unset means the plan's; on update, "none" clears the key's own. */
  const limit = (what: string): string =>
    create
      ? `${what}. Defaults to the plan's, else no limit`
      : `${what}; "none" clears the key's own (the plan's applies). Defaults to unchanged`
  const field = (what: string, createDefault: string, clear?: string): string =>
    create
      ? `${what}. Defaults to ${createDefault}`
      : `${what}${clear ? `; ${clear}` : ''}. Defaults to unchanged`
  cmd.option(
    '--name <name>',
    create ? 'a descriptive name (required)' : field('a descriptive name', ''),
  )
  if (create) {
    cmd
      .option(
        '--user-id <id>',
        'the user who owns the key; fixed once the key exists. Defaults to none',
        userId,
      )
      .addOption(
        new Option(
          '--type <type>',
          'sk (secret key) or pat (personal access token). Defaults to sk',
        ).choices(['sk', 'pat']),
      )
  } else {
    // Fixed when the key is created: accepted here only to say so, instead of "unknown option".
    cmd
      .addOption(new Option('--user-id <id>').hideHelp())
      .addOption(new Option('--type <type>').hideHelp())
  }
  return cmd
    .option(
      '--plan-id <id>',
      field('plan whose limits the key gets', 'no plan', '"none" removes the plan'),
      stringOrNone,
    )
    .addOption(
      new Option('--status <status>', field('active or inactive', 'active')).choices([
        'active',
        'inactive',
      ]),
    )
    .option(
      '--category <category>',
      field('free-form category', 'none', '"none" clears it'),
      stringOrNone,
    )
    .option(
      '--scopes <list>',
      field('comma-separated scopes, e.g. admin or keys:read,keys:write', 'none', "'' removes all"),
      list,
    )
    .option(
      '--expires-at <date>',
      field('ISO 8601 expiry, e.g. 2030-01-01T00:00:00Z', 'never', '"never" clears it'),
      stringOrNone,
    )
    .option(
      '--metadata <json>',
      field('a JSON object stored with the key', '{}', 'replaces the whole object'),
      jsonObject,
    )
    .option('--total <n>', limit('all-time quota'), countOrNone)
    .option('--daily <n>', limit('daily quota'), countOrNone)
    .option('--weekly <n>', limit('weekly quota'), countOrNone)
    .option('--monthly <n>', limit('monthly quota'), countOrNone)
    .option('--yearly <n>', limit('yearly quota'), countOrNone)
    .option('--per-second <n>', limit('sustained requests per second'), countOrNone)
    .option('--burst <n>', limit('requests allowed at once above the rate'), countOrNone)
    .option('--per-minute <n>', limit('requests per minute'), countOrNone)
}

function keyInput(o: KeyFlags): Record<string, unknown> {
  return {
    ...given({
      name: o.name,
      user_id: o.userId,
      plan_id: o.planId,
      status: o.status,
      category: o.category,
      scopes: o.scopes,
      type: o.type,
      expires_at: o.expiresAt,
      metadata: o.metadata,
      quotas: quotasOf(o),
      rate: rateOf(o),
    }),
  }
}

export function keysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .alias('api-keys') // Limitly's CLI name for the same commands
    .description('manage API keys')
  keyImportCommand(keys)
  keyCreditsCommand(keys)

  keyOptions(
    keys.command('create').description('create an API key; its secret is printed once'),
    'create',
  ).action(async (o: KeyFlags, cmd: Command) => {
    await withStore(cmd, async (conn) => {
      const result = await conn.keys.create(keyInput(o) as never)
      await recordAudit(conn, (audit, actor) => audit.keyCreated(actor, result.data))
      const plan = await planOf(conn.keys, result.data.plan_id)
      print(globalOptions(cmd).json, result, () => fields(keyPairs(result.data, plan)))
      process.stderr.write(SECRET_NOTE)
    })
  })

  keys
    .command('list')
    .description('list API keys, newest first')
    .option('--page <n>', 'page number. Defaults to 1', positiveInt)
    .option('--limit <n>', 'keys per page, at most 100. Defaults to 10', positiveInt)
    .addOption(
      new Option(
        '--status <status>',
        'only active, inactive or revoked keys. Defaults to all',
      ).choices(['active', 'inactive', 'revoked']),
    )
    .option('--category <category>', 'only keys of this category. Defaults to any')
    .option('--user-id <id>', "only this user's keys. Defaults to any user")
    .option('--plan-id <id>', 'only keys on this plan. Defaults to any plan')
    .action(async (o: ListFlags, cmd: Command) => {
      await withStore(cmd, async ({ keys: manager }) => {
        const page = await manager.list(
          given({
            page: o.page,
            limit: o.limit,
            status: o.status,
            category: o.category,
            user_id: o.userId,
            plan_id: o.planId,
          }) ?? {},
        )
        print(globalOptions(cmd).json, page, () => {
          const rows = page.data.map((k) => [
            k.id,
            k.name,
            k.type,
            k.status,
            k.user_id === null ? null : String(k.user_id),
            k.plan_id,
            k.scopes.join(','),
            k.last_used_at,
            k.created_at,
          ])
          const head = [
            'ID',
            'NAME',
            'TYPE',
            'STATUS',
            'USER',
            'PLAN',
            'SCOPES',
            'LAST USED',
            'CREATED',
          ]
          return `${table(head, rows)}\n${page.count} key(s); page ${page.page}, ${page.limit} per page`
        })
      })
    })

  keys
    .command('get [id]')
    .description('show an API key (never its secret)')
    .option('--key-id <id>', KEY_ID)
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async ({ keys: manager }) => {
        const result = await manager.get(idFrom(id, o.keyId, 'key id'))
        const plan = await planOf(manager, result.data.plan_id)
        print(globalOptions(cmd).json, result, () => fields(keyPairs(result.data, plan)))
      })
    })

  keyOptions(
    keys
      .command('update [id]')
      .description('change fields of an API key')
      .option('--key-id <id>', KEY_ID),
    'update',
  ).action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
    for (const [flag, value] of [
      ['--user-id', o.userId],
      ['--type', o.type],
    ] as const) {
      if (value !== undefined) {
        throw new CliError(
          `${flag} cannot be changed: it is fixed when a key is created; create a new key instead`,
          EXIT.usage,
        )
      }
    }
    const keyId = idFrom(id, o.keyId, 'key id')
    const input = keyInput(o)
    if (Object.keys(input).length === 0) {
      throw new CliError('nothing to change: give the flags to change, e.g. --name', EXIT.usage)
    }
    await withStore(cmd, async (conn) => {
      const { data, before, changed } = await conn.keys.edit(keyId, input as never)
      if (changed) await recordAudit(conn, (audit, actor) => audit.keyUpdated(actor, before, data))
      else process.stderr.write('No change: the key already has these values.\n')
      const plan = await planOf(conn.keys, data.plan_id)
      print(globalOptions(cmd).json, { data }, () => fields(keyPairs(data, plan)))
    })
  })

  keys
    .command('delete [id]')
    .description('delete a never-used API key (a used one: revoke or --status inactive instead)')
    .option('--key-id <id>', KEY_ID)
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async (conn) => {
        const keyId = idFrom(id, o.keyId, 'key id')
        const { data, before } = await conn.keys.remove(keyId)
        await recordAudit(conn, (audit, actor) => audit.keyDeleted(actor, before))
        print(globalOptions(cmd).json, { data }, () => data.message)
      })
    })

  keys
    .command('revoke [id]')
    .description(
      'revoke an API key for good: it stops working now, can never be reactivated, keeps its history',
    )
    .option('--key-id <id>', KEY_ID)
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async (conn) => {
        const { data, before, changed } = await conn.keys.revoke(idFrom(id, o.keyId, 'key id'))
        if (changed)
          await recordAudit(conn, (audit, actor) => audit.keyRevoked(actor, before, data))
        print(globalOptions(cmd).json, { data }, () =>
          changed ? `Revoked ${data.id}` : `${data.id} was already revoked`,
        )
      })
    })

  keys
    .command('regenerate [id]')
    .description(
      'give an API key a new secret, printed once; the old one dies now or after a grace period',
    )
    .option('--key-id <id>', KEY_ID)
    .option(
      '--grace-seconds <n>',
      'how long the old secret keeps working, up to 2592000 (30 days). Defaults to 0: it dies now',
      graceSeconds,
    )
    .action(
      async (id: string | undefined, o: KeyFlags & { graceSeconds?: number }, cmd: Command) => {
        await withStore(cmd, async (conn) => {
          const result = await conn.keys.regenerate(
            idFrom(id, o.keyId, 'key id'),
            given({ grace_seconds: o.graceSeconds }) ?? {},
          )
          await recordAudit(conn, (audit, actor) =>
            audit.keyRegenerated(actor, result.data, o.graceSeconds ?? 0),
          )
          const plan = await planOf(conn.keys, result.data.plan_id)
          print(globalOptions(cmd).json, { data: result.data }, () =>
            fields(keyPairs(result.data, plan)),
          )
          process.stderr.write(SECRET_NOTE)
        })
      },
    )

  keys
    .command('usage [id]')
    .description("show an API key's quota usage, per window")
    .option('--key-id <id>', KEY_ID)
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async ({ keys: manager }) => {
        const result = await manager.usage(idFrom(id, o.keyId, 'key id'))
        print(globalOptions(cmd).json, result, () => usageText(result.data))
      })
    })

  keys
    .command('requests [id]')
    .description("show an API key's logged requests, newest first")
    .option('--key-id <id>', KEY_ID)
    .option('--page <n>', 'page number. Defaults to 1', positiveInt)
    .option('--limit <n>', 'requests per page, at most 100. Defaults to 10', positiveInt)
    .action(
      async (
        id: string | undefined,
        o: KeyFlags & { page?: number; limit?: number },
        cmd: Command,
      ) => {
        await withStore(cmd, async ({ keys: manager }) => {
          const result = await manager.requests(
            idFrom(id, o.keyId, 'key id'),
            given({ page: o.page, limit: o.limit }) ?? {},
          )
          print(globalOptions(cmd).json, result, () => requestsText(result.data))
        })
      },
    )
}
