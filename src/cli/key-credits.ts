// `keyguard keys credits <id> --set N | --increment N | --decrement N`: a key's prepaid credits, changed atomically.

import { type Command, InvalidArgumentError } from 'commander'
import type { CreditsBalance, CreditsInput } from '../keys'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import { idFrom } from './flags'
import { fields, print } from './format'

interface CreditsFlags {
  keyId?: string
  set?: number
  increment?: number
  decrement?: number
}

const MAX_CREDITS = 1e12

/** A whole number of credits, 0 to 10^12 (as the API takes them). */
function credits(value: string): number {
  if (!/^\d{1,13}$/.test(value) || Number(value) > MAX_CREDITS) {
    throw new InvalidArgumentError(`must be a whole number of credits from 0 to ${MAX_CREDITS}`)
  }
  return Number(value)
}

/** Exactly one of --set, --increment, --decrement. */
function changeOf(o: CreditsFlags): CreditsInput {
  const given = (['set', 'increment', 'decrement'] as const).filter((op) => o[op] !== undefined)
  if (given.length !== 1) {
    throw new CliError(
      given.length === 0
        ? 'say what to do: --set N, --increment N or --decrement N'
        : `give one of --set, --increment, --decrement, not ${given.map((g) => `--${g}`).join(' and ')}`,
      EXIT.usage,
    )
  }
  const op = given[0] as CreditsInput['op']
  return { op, amount: o[op] as number }
}

const balanceText = (id: string, c: CreditsBalance): string =>
  fields([
    ['Key', id],
    ['Change', `${c.op} ${c.amount}`],
    [
      'Remaining',
      `${c.remaining}${c.remaining_before === null ? '' : ` (was ${c.remaining_before})`}`,
    ],
    ['Used', String(c.used)],
    ['Total quota', String(c.limit)],
  ])

export function keyCreditsCommand(keys: Command): void {
  keys
    .command('credits [id]')
    .description(
      "set, top up or take from a key's prepaid credits (what is left of its total quota), atomically",
    )
    .option('--key-id <id>', "the key id, as Limitly's CLI takes it. Defaults to the argument")
    .option('--set <n>', 'leave exactly n credits, whatever was used. Defaults to unset', credits)
    .option('--increment <n>', 'add n credits to what is left. Defaults to unset', credits)
    .option(
      '--decrement <n>',
      'take n credits from what is left, down to 0 at most. Defaults to unset',
      credits,
    )
    .addHelpText(
      'after',
      '\nGive exactly one of --set, --increment, --decrement. A key without a total quota takes --set only.',
    )
    .action(async (id: string | undefined, o: CreditsFlags, cmd: Command) => {
      const keyId = idFrom(id, o.keyId, 'key id')
      const change = changeOf(o)
      await withStore(cmd, async (conn) => {
        const { data, before, credits: balance } = await conn.keys.creditsEdit(keyId, change)
        await recordAudit(conn, (audit, actor) => audit.keyCredits(actor, before, data, balance))
        print(globalOptions(cmd).json, { data, credits: balance }, () =>
          balanceText(data.id, balance),
        )
      })
    })
}
