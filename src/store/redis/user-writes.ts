// Users on Redis: the record in the slot of the user's keys, written with its disabled flag in one script.

import type { Cluster, Redis } from 'ioredis'
import { tagFor } from '../../token'
import type { WriteOutcome } from '../types'
import type { StoredUser, VersionedUser } from '../user-store'
import { execResults } from './key-batch'
import type { RedisKeyNames } from './key-names'
import { luaScript } from './lua'

type Reply = [string, (number | string)?]

interface UserCommands {
  keyguardWriteUser(...args: string[]): Promise<Reply>
  keyguardUserFlag(...args: string[]): Promise<string>
}

/** Defines the user scripts on a client (EVALSHA, reloaded on NOSCRIPT by ioredis). */
export function defineUserCommands(client: Redis | Cluster): void {
  client.defineCommand('keyguardWriteUser', { numberOfKeys: 2, lua: luaScript('write-user.lua') })
  client.defineCommand('keyguardUserFlag', { numberOfKeys: 1, lua: luaScript('user-flag.lua') })
}

const commands = (client: Redis | Cluster): UserCommands => client as unknown as UserCommands

/** The clock override the scripts take, in µs; "" for Redis TIME. */
const micros = (clock: (() => number) | undefined): string =>
  clock ? String(Math.floor(clock() * 1000)) : ''

export async function writeUser(
  client: Redis | Cluster,
  names: RedisKeyNames,
  clock: (() => number) | undefined,
  write: { id: string; user: StoredUser | null; expect: number | 'new' },
): Promise<WriteOutcome> {
  const { id, user, expect } = write
  const version = expect === 'new' ? 1 : expect + 1
  const json = user === null ? '' : JSON.stringify({ ...user, _v: version })
  const tag = tagFor(id)
  const reply = await commands(client).keyguardWriteUser(
    names.user(tag, id),
    names.userRate(tag),
    String(expect),
    json,
    user?.is_disabled === true ? '1' : '0',
    micros(clock),
  )
  if (reply[0] !== 'ok') return { ok: false, reason: reply[0] as 'missing' | 'exists' | 'stale' }
  // The list of users: written after the record, so a listed id always had a record.
  if (user === null) await client.srem(names.users, id)
  else await client.sadd(names.users, id)
  return { ok: true, version }
}

/** A stored user's JSON: the user, and its version in `_v`. */
export function parseUser(json: string): VersionedUser {
  const { _v, ...user } = JSON.parse(json) as StoredUser & { _v?: number }
  return { user, version: typeof _v === 'number' ? _v : 0 }
}

export async function loadUser(
  client: Redis | Cluster,
  names: RedisKeyNames,
  id: string,
): Promise<VersionedUser | null> {
  const json = await client.get(names.user(tagFor(id), id))
  return json ? parseUser(json) : null
}

/** Every listed user: one MGET on a single Redis; a GET per user (routed to its slot) on a Cluster. */
export async function listUsers(
  client: Redis | Cluster,
  names: RedisKeyNames,
): Promise<StoredUser[]> {
  const ids = await client.smembers(names.users)
  if (ids.length === 0) return []
  const recordKeys = ids.map((id) => names.user(tagFor(id), id))
  const found = client.isCluster
    ? await Promise.all(recordKeys.map((key) => client.get(key)))
    : ((execResults(await client.multi().mget(recordKeys).exec())[0] ?? []) as Array<string | null>)
  return found.flatMap((json) => (json ? [parseUser(json).user] : []))
}

export async function setUserDisabled(
  client: Redis | Cluster,
  names: RedisKeyNames,
  clock: (() => number) | undefined,
  tag: string,
  disabled: boolean,
): Promise<void> {
  await commands(client).keyguardUserFlag(names.userRate(tag), disabled ? '1' : '0', micros(clock))
}
