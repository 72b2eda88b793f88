// What every CLI command shares: global options, the Redis connection, exit codes and error lines.

import type { Command } from 'commander'
import { Redis } from 'ioredis'
import { type AuditActor, AuditLog, CLI_ACTOR } from '../audit'
import { KeyguardConfigError, KeyguardError, StoreUnavailableError } from '../errors'
import { KeyManager } from '../keys'
import { RedisStore, withTimeout } from '../store'
import { CliError, EXIT, type Failure } from './cli-error'
import { databaseOf, selectDatabase } from './redis-url'
import { stderrLogger } from './serve-extras'

export { CliError, EXIT, type ExitCode, type Failure } from './cli-error'

export interface GlobalOptions {
  redisUrl: string
  prefix: string
  tokenPrefix: string
  json: boolean
}

export interface Connection {
  options: GlobalOptions
  client: Redis
  store: RedisStore
  keys: KeyManager
  /** The audit trail every changing command writes to, as actor `cli`. */
  audit: AuditLog
}

/** Upper bound on each store call from the CLI (longer than the guard's: no request waits). */
export const CLI_COMMAND_TIMEOUT_MS = 10000
const CONNECT_TIMEOUT_MS = 5000

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<GlobalOptions>
  return {
    redisUrl: o.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: o.prefix ?? 'kg:',
    tokenPrefix: o.tokenPrefix ?? 'kg',
    json: o.json === true,
  }
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/^[^@]*@/, '***@')
  }
}

/**
 * Connects once, without retries: a dead Redis fails fast with one clear line instead of hanging.
 * `reconnect` keeps ioredis's reconnection for long-running commands (serve).
 */
export async function connect(options: GlobalOptions, reconnect = false): Promise<Connection> {
  let lastError = ''
  let client: Redis
  const db = databaseOf(options.redisUrl)
  try {
    client = new Redis(options.redisUrl, {
      lazyConnect: true,
      connectTimeout: 3000,
      // A stream that never connected emits no 'close': do not wait 2 s for it on exit.
      disconnectTimeout: 200,
      maxRetriesPerRequest: reconnect ? 1 : 0,
      ...(reconnect ? {} : { retryStrategy: () => null }),
    })
  } catch (error) {
    throw new CliError(`bad --redis-url: ${(error as Error).message}`, EXIT.usage)
  }
  client.on('error', (error: Error) => {
    lastError = error.message
  })
  try {
    // A server that accepts the connection but never answers (hung, paused) must not hang us.
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS, 'Redis')
  } catch (error) {
    if (client.status !== 'end') client.disconnect()
    const why = lastError || (error as Error).message
    throw new CliError(
      `cannot reach Redis at ${safeUrl(options.redisUrl)}: ${why}`,
      EXIT.failure,
      'REDIS_UNAVAILABLE',
    )
  }
  // ioredis reports a failed SELECT only as an event and goes on in database 0: ask again.
  if (db > 0) await selectDatabase(client, db)
  const store = new RedisStore({
    client,
    prefix: options.prefix,
    commandTimeout: reconnect ? 500 : CLI_COMMAND_TIMEOUT_MS,
    // A long-running server reports a loss of data on stderr (a one-shot command says it itself).
    ...(reconnect ? { logger: stderrLogger } : {}),
  })
  return {
    options,
    client,
    store,
    keys: new KeyManager(store, { prefix: options.tokenPrefix }),
    audit: new AuditLog(store),
  }
}

export async function disconnect(conn: Connection): Promise<void> {
  await conn.store.close()
  conn.client.disconnect()
}

/** `keys.create` says `quotas.daily`; the CLI user typed `--daily`. */
export function flagOf(field: string): string {
  const last = field
    .split('.')
    .filter((part) => part !== '' && !/^\d+$/.test(part))
    .pop()
  return last ? `--${last.replace(/_/g, '-')}` : 'input'
}

/**
 * Maps any error to its one-line reason, exit code and code: 404 and 409 (not found, in use, a
 * conflict) exit 1; bad input exits 2; Redis and anything unexpected exit 3.
 */
export function describeError(error: unknown): Failure {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, code: error.code }
  }
  if (error instanceof KeyguardError) {
    const details = (error.details ?? {}) as { field?: unknown; message?: unknown; id?: unknown }
    const coded = { code: error.code, ...(error.details === undefined ? {} : { details }) }
    if (error.code === 'VALIDATION_ERROR') {
      const field = typeof details.field === 'string' ? details.field : ''
      const message = typeof details.message === 'string' ? details.message : error.message
      return { message: `invalid ${flagOf(field)}: ${message}`, exitCode: EXIT.usage, ...coded }
    }
    const id = typeof details.id === 'string' ? `: ${details.id}` : ''
    if (error.status === 404) {
      return { message: `${error.message}${id}`, exitCode: EXIT.refused, ...coded }
    }
    if (error.status === 409) return { message: error.message, exitCode: EXIT.refused, ...coded }
    return { message: `${error.message} (${error.code})`, exitCode: EXIT.failure, ...coded }
  }
  if (error instanceof KeyguardConfigError) {
    return { message: error.message, exitCode: EXIT.usage, code: 'USAGE_ERROR' }
  }
  if (error instanceof StoreUnavailableError) {
    return {
      message: `Redis is unavailable: ${error.message}`,
      exitCode: EXIT.failure,
      code: 'REDIS_UNAVAILABLE',
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message: message.split('\n')[0] ?? 'failed', exitCode: EXIT.failure, code: 'FAILURE' }
}

/**
 * Records a change the command made. The change is done whatever happens here: a failed write is a
 * warning on stderr, not a failure of the command.
 */
export async function recordAudit(
  conn: Connection,
  write: (audit: AuditLog, actor: AuditActor) => Promise<unknown>,
): Promise<void> {
  try {
    await write(conn.audit, CLI_ACTOR)
  } catch (error) {
    const { message } = describeError(error)
    process.stderr.write(`keyguard: warning: the audit record was not written: ${message}\n`)
  }
}

/** Connects, runs a command's work, and disconnects whatever happens. */
export async function withStore(
  cmd: Command,
  work: (conn: Connection) => Promise<void>,
): Promise<void> {
  const conn = await connect(globalOptions(cmd))
  try {
    await work(conn)
  } finally {
    await disconnect(conn)
  }
}
