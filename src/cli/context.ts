// What every CLI command shares: global options, the Redis connection, exit codes and error lines.

import type { Command } from 'commander'
import { Redis } from 'ioredis'
import { type AuditActor, AuditLog, CLI_ACTOR } from '../audit'
import { KeyguardConfigError, KeyguardError, StoreUnavailableError } from '../errors'
import { KeyManager } from '../keys'
import { RedisStore, withTimeout } from '../store'

export const EXIT = { ok: 0, refused: 1, usage: 2, failure: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

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
    throw new CliError(`cannot reach Redis at ${safeUrl(options.redisUrl)}: ${why}`, EXIT.failure)
  }
  const store = new RedisStore({
    client,
    prefix: options.prefix,
    commandTimeout: reconnect ? 500 : CLI_COMMAND_TIMEOUT_MS,
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

/** Maps any error to its one-line reason and exit code. */
export function describeError(error: unknown): { message: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode }
  if (error instanceof KeyguardError) {
    const details = (error.details ?? {}) as { field?: unknown; message?: unknown; id?: unknown }
    if (error.code === 'VALIDATION_ERROR') {
      const field = typeof details.field === 'string' ? details.field : ''
      const message = typeof details.message === 'string' ? details.message : error.message
      return { message: `invalid ${flagOf(field)}: ${message}`, exitCode: EXIT.usage }
    }
    const id = typeof details.id === 'string' ? `: ${details.id}` : ''
    if (error.status === 404) return { message: `${error.message}${id}`, exitCode: EXIT.refused }
    if (error.status === 409) return { message: error.message, exitCode: EXIT.refused }
    return { message: `${error.message} (${error.code})`, exitCode: EXIT.failure }
  }
  if (error instanceof KeyguardConfigError) return { message: error.message, exitCode: EXIT.usage }
  if (error instanceof StoreUnavailableError) {
    return { message: `Redis is unavailable: ${error.message}`, exitCode: EXIT.failure }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message: message.split('\n')[0] ?? 'failed', exitCode: EXIT.failure }
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
