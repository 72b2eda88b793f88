// `keyguard tokens create`: mint a short-lived client token (kg_ct_…) for a key or a user, as POST /tokens does.

import { type Command, InvalidArgumentError } from 'commander'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import { given, list, userId } from './flags'
import { fields, print } from './format'

interface TokenFlags {
  keyId?: string
  userId?: string | number
  ttlSeconds?: number
  scopes?: string[]
}

/** The longest lifetime KeyManager allows by default: a day. */
const MAX_TTL_SECONDS = 86400

function ttlSeconds(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1 || Number(value) > MAX_TTL_SECONDS) {
    throw new InvalidArgumentError(
      `must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (a day)`,
    )
  }
  return Number(value)
}

export function tokensCommand(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('short-lived client tokens (kg_ct_…) for browsers, billed to their parent key')
  tokens
    .command('create')
    .description("mint a client token from a secret key, or from a user's newest active one")
    .option('--key-id <id>', 'the parent secret key (sk). Defaults to none: give it or --user-id')
    .option(
      '--user-id <id>',
      "a user: the token is minted from that user's newest active secret key. Defaults to none",
      userId,
    )
    .option(
      '--ttl-seconds <n>',
      `lifetime in seconds, 1 to ${MAX_TTL_SECONDS}. Defaults to 3600`,
      ttlSeconds,
    )
    .option(
      '--scopes <list>',
      "comma-separated scopes, each one the parent key's (never admin). Defaults to the parent's scopes less admin",
      list,
    )
    .action(async (o: TokenFlags, cmd: Command) => {
      if (o.keyId === undefined && o.userId === undefined) {
        throw new CliError('say whose token: --key-id <id> or --user-id <id>', EXIT.usage)
      }
      if (o.keyId === '') throw new CliError('--key-id must not be empty', EXIT.usage)
      await withStore(cmd, async (conn) => {
        // The CLI acts as an admin (as on every command): it may mint for any key.
        const minted = await conn.keys.tokens.create(
          given({
            key_id: o.keyId,
            user_id: o.userId,
            ttl_seconds: o.ttlSeconds,
            scopes: o.scopes,
          }) ?? {},
        )
        await recordAudit(conn, (audit, actor) => audit.tokenCreated(actor, minted.data))
        const { data } = minted
        print(globalOptions(cmd).json, minted, () =>
          fields([
            ['Token', data.token],
            ['Expires', data.expires_at],
            ['Key', data.key_id],
            ['User', data.user_id === null ? null : String(data.user_id)],
            ['Scopes', data.scopes.join(',')],
          ]),
        )
      })
    })
}
