// `keyguard plans …`: create, list, get, update (rewrites its keys, with progress) and delete plans.

import { type Command, Option } from 'commander'
import type { Plan } from '../types'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import { type Clearable, countOrNone, given, type LimitFlags, quotasOf, rateOf } from './flags'
import { fields, limits, print, table } from './format'

interface PlanFlags extends LimitFlags {
  id?: string
  name?: string
  quotaWindow?: 'rolling' | 'calendar'
  rateScope?: 'key' | 'user'
  description?: string
  maxRequests?: Clearable<number>
  requestPeriod?: 'day' | 'week' | 'month' | 'year'
  isActive?: 'true' | 'false'
}

function planPairs(plan: Plan): Array<[string, unknown]> {
  return [
    ['id', plan.id],
    ['name', plan.name],
    ['rate', limits(plan.rate)],
    ['quotas', limits(plan.quotas)],
    ['quota_window', plan.quota_window],
    ['rate_scope', plan.rate_scope],
    ['description', plan.description],
    ['max_requests', plan.max_requests],
    ['request_period', plan.request_period],
    ['is_active', plan.is_active],
    ['created_at', plan.created_at],
    ['updated_at', plan.updated_at],
  ]
}

/** `create` says what a flag left out means; `update` that it keeps the value, and how to clear it. */
function planOptions(cmd: Command, mode: 'create' | 'update'): Command {
  const create = mode === 'create'
  const limit = (what: string): string =>
    create ? `${what}. Defaults to no limit` : `${what}; "none" clears it. Defaults to unchanged`
  const field = (what: string, createDefault: string): string =>
    `${what}. Defaults to ${create ? createDefault : 'unchanged'}`
  return cmd
    .option(
      '--name <name>',
      create ? 'a descriptive name (required)' : field('a descriptive name', ''),
    )
    .option('--per-second <n>', limit('sustained requests per second'), countOrNone)
    .option('--burst <n>', limit('requests allowed at once above the rate'), countOrNone)
    .option('--per-minute <n>', limit('requests per minute'), countOrNone)
    .option('--daily <n>', limit('daily quota'), countOrNone)
    .option('--weekly <n>', limit('weekly quota'), countOrNone)
    .option('--monthly <n>', limit('monthly quota'), countOrNone)
    .option('--yearly <n>', limit('yearly quota'), countOrNone)
    .option('--description <text>', field('a description (Limitly)', 'none'))
    .option(
      '--max-requests <n>',
      limit("Limitly's form of a quota: max requests per --request-period"),
      countOrNone,
    )
    .addOption(
      new Option(
        '--request-period <period>',
        field('the period of --max-requests: the daily … yearly quota', 'none'),
      ).choices(['day', 'week', 'month', 'year']),
    )
    .addOption(
      new Option(
        '--is-active <bool>',
        field('false keeps the plan from more keys; its keys keep working', 'true'),
      ).choices(['true', 'false']),
    )
    .addOption(
      new Option(
        '--quota-window <window>',
        field('rolling (last 24 h / 7 d / 30 d) or calendar (UTC)', 'rolling'),
      ).choices(['rolling', 'calendar']),
    )
    .addOption(
      new Option(
        '--rate-scope <scope>',
        field('rates per key, or shared by all keys of a user', 'key'),
      ).choices(['key', 'user']),
    )
}

function planInput(o: PlanFlags): Record<string, unknown> {
  return {
    ...given({
      id: o.id,
      name: o.name,
      rate: rateOf(o),
      quotas: quotasOf(o),
      quota_window: o.quotaWindow,
      rate_scope: o.rateScope,
      description: o.description,
      max_requests: o.maxRequests,
      request_period: o.requestPeriod,
      is_active: o.isActive === undefined ? undefined : o.isActive === 'true',
    }),
  }
}

/** Progress on stderr: a live counter on a terminal, else a line per 10%. */
function progressReporter(planId: string): (done: number, total: number) => void {
  let lastTenth = -1
  return (done, total) => {
    const line = `Rewriting the limits of the keys on plan "${planId}": ${done}/${total}`
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}${done === total ? '\n' : ''}`)
      return
    }
    const tenth = Math.floor((done * 10) / total)
    if (tenth !== lastTenth || done === total) {
      lastTenth = tenth
      process.stderr.write(`${line}\n`)
    }
  }
}

export function plansCommand(program: Command): void {
  const plans = program.command('plans').description('manage plans (limits shared by many keys)')

  planOptions(
    plans
      .command('create')
      .description('create a plan')
      .option(
        '--id <id>',
        'plan id, e.g. pro (letters, digits, _ . -). Defaults to a generated plan_…',
      ),
    'create',
  ).action(async (o: PlanFlags, cmd: Command) => {
    await withStore(cmd, async (conn) => {
      const result = await conn.keys.plans.create(planInput(o) as never)
      await recordAudit(conn, (audit, actor) => audit.planCreated(actor, result.data))
      print(globalOptions(cmd).json, result, () => fields(planPairs(result.data)))
    })
  })

  plans
    .command('list')
    .description('list plans')
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.plans.list()
        print(globalOptions(cmd).json, result, () => {
          const rows = result.data.map((p) => [
            p.id,
            p.name,
            limits(p.rate),
            limits(p.quotas),
            p.quota_window,
            p.rate_scope,
          ])
          return `${table(['ID', 'NAME', 'RATE', 'QUOTAS', 'WINDOW', 'RATE SCOPE'], rows)}\n${result.count} plan(s)`
        })
      })
    })

  plans
    .command('get <id>')
    .description('show a plan')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ keys }) => {
        const result = await keys.plans.get(id)
        print(globalOptions(cmd).json, result, () => fields(planPairs(result.data)))
      })
    })

  planOptions(
    plans.command('update <id>').description('change a plan; rewrites the limits of its keys'),
    'update',
  ).action(async (id: string, o: PlanFlags, cmd: Command) => {
    const input = planInput(o)
    if (Object.keys(input).length === 0) {
      throw new CliError('nothing to change: give the flags to change, e.g. --daily', EXIT.usage)
    }
    await withStore(cmd, async (conn) => {
      const { data, before, changed } = await conn.keys.plans.edit(id, input as never, {
        onProgress: progressReporter(id),
      })
      if (changed) await recordAudit(conn, (audit, actor) => audit.planUpdated(actor, before, data))
      else process.stderr.write('No change: the plan already has these values.\n')
      print(globalOptions(cmd).json, { data }, () => fields(planPairs(data)))
    })
  })

  plans
    .command('delete <id>')
    .description('delete a plan no key uses')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async (conn) => {
        const { data, before } = await conn.keys.plans.remove(id)
        await recordAudit(conn, (audit, actor) => audit.planDeleted(actor, before))
        print(globalOptions(cmd).json, { data }, () => data.message)
      })
    })
}
