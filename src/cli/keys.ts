// `keyguard keys …`: create, list, get, update, delete, regenerate, usage and requests of API keys.

import { type Command, Option } from 'commander'
import { globalOptions, recordAudit, withStore } from './context'
import {
  type Clearable,
  countOrNone,
  given,
  idFrom,
  jsonObject,
  type LimitFlags,
  list,
  nonNegativeInt,
  positiveInt,
  quotasOf,
  rateOf,
  stringOrNone,
  userId,
} from './flags'
import { fields, print, table } from './format'
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
  status?: 'active' | 'inactive'
  category?: string
  userId?: string
  planId?: string
}

const SECRET_NOTE = 'Store the api_key now: it is shown only this once.\n'

function keyOptions(cmd: Command, mode: 'create' | 'update'): Command {
  cmd.option('--name <name>', 'a descriptive name')
  if (mode === 'create') {
    cmd
      .option('--user-id <id>', 'the user who owns the key (cannot change later)', userId)
      .addOption(
        new Option(
          '--type <type>',
          'sk (secret key, default) or pat (personal access token)',
        ).choices(['sk', 'pat']),
      )
  }
  return cmd
    .option('--plan-id <id>', 'plan whose limits the key gets ("none" for no plan)', stringOrNone)
    .addOption(
      new Option('--status <status>', 'active or inactive').choices(['active', 'inactive']),
    )
    .option('--category <category>', 'free-form category ("none" to clear)', stringOrNone)
    .option('--scopes <list>', 'comma-separated scopes, e.g. admin or keys:read,keys:write', list)
    .option(
      '--expires-at <date>',
      'ISO 8601 expiry, e.g. 2030-01-01T00:00:00Z ("never" to clear)',
      stringOrNone,
    )
    .option('--metadata <json>', 'a JSON object stored with the key', jsonObject)
    .option('--total <n>', 'all-time quota ("none" to clear)', countOrNone)
    .option('--daily <n>', 'daily quota ("none" to clear)', countOrNone)
    .option('--weekly <n>', 'weekly quota ("none" to clear)', countOrNone)
    .option('--monthly <n>', 'monthly quota ("none" to clear)', countOrNone)
    .option('--per-second <n>', 'sustained requests per second ("none" to clear)', countOrNone)
    .option('--burst <n>', 'requests allowed at once above the rate ("none" to clear)', countOrNone)
    .option('--per-minute <n>', 'requests per minute ("none" to clear)', countOrNone)
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
  const keys = program.command('keys').description('manage API keys')

  keyOptions(
    keys.command('create').description('create an API key; its secret is printed once'),
    'create',
  ).action(async (o: KeyFlags, cmd: Command) => {
    await withStore(cmd, async (conn) => {
      const result = await conn.keys.create(keyInput(o) as never)
      await recordAudit(conn, (audit, actor) => audit.keyCreated(actor, result.data))
      print(globalOptions(cmd).json, result, () => fields(keyPairs(result.data)))
      process.stderr.write(SECRET_NOTE)
    })
  })

  keys
    .command('list')
    .description('list API keys, newest first')
    .option('--page <n>', 'page number', positiveInt)
    .option('--limit <n>', 'keys per page (max 100)', positiveInt)
    .addOption(
      new Option('--status <status>', 'only active or inactive keys').choices([
        'active',
        'inactive',
      ]),
    )
    .option('--category <category>', 'only keys of this category')
    .option('--user-id <id>', "only this user's keys")
    .option('--plan-id <id>', 'only keys on this plan')
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
    .option('--key-id <id>', 'the key id (instead of the argument)')
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async ({ keys: manager }) => {
        const result = await manager.get(idFrom(id, o.keyId, 'key id'))
        print(globalOptions(cmd).json, result, () => fields(keyPairs(result.data)))
      })
    })

  keyOptions(
    keys
      .command('update [id]')
      .description('change fields of an API key')
      .option('--key-id <id>', 'the key id'),
    'update',
  ).action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
    await withStore(cmd, async (conn) => {
      const keyId = idFrom(id, o.keyId, 'key id')
      const input = keyInput(o)
      const { data, before } = await conn.keys.edit(keyId, input as never)
      await recordAudit(conn, (audit, actor) => audit.keyUpdated(actor, before, data))
      print(globalOptions(cmd).json, { data }, () => fields(keyPairs(data)))
    })
  })

  keys
    .command('delete [id]')
    .description('delete a never-used API key (a used one: --status inactive instead)')
    .option('--key-id <id>', 'the key id')
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async (conn) => {
        const keyId = idFrom(id, o.keyId, 'key id')
        const { data, before } = await conn.keys.remove(keyId)
        await recordAudit(conn, (audit, actor) => audit.keyDeleted(actor, before))
        print(globalOptions(cmd).json, { data }, () => data.message)
      })
    })

  keys
    .command('regenerate [id]')
    .description(
      'give an API key a new secret, printed once; the old one dies now or after a grace period',
    )
    .option('--key-id <id>', 'the key id')
    .option('--grace-seconds <n>', 'how long the old secret keeps working', nonNegativeInt)
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
          print(globalOptions(cmd).json, result, () => fields(keyPairs(result.data)))
          process.stderr.write(SECRET_NOTE)
        })
      },
    )

  keys
    .command('usage [id]')
    .description("show an API key's quota usage, per window")
    .option('--key-id <id>', 'the key id')
    .action(async (id: string | undefined, o: KeyFlags, cmd: Command) => {
      await withStore(cmd, async ({ keys: manager }) => {
        const result = await manager.usage(idFrom(id, o.keyId, 'key id'))
        print(globalOptions(cmd).json, result, () => usageText(result.data))
      })
    })

  keys
    .command('requests [id]')
    .description("show an API key's logged requests, newest first")
    .option('--key-id <id>', 'the key id')
    .option('--page <n>', 'page number', positiveInt)
    .option('--limit <n>', 'requests per page (max 100)', positiveInt)
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
