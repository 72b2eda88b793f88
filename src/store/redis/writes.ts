// Admin writes on Redis: each one a short script that applies only at the version it was computed from.

import type { Cluster, Redis } from 'ioredis'
import { withLimitlyFields } from '../../limits'
import { TAG_LENGTH } from '../../token'
import type { Plan } from '../../types'
import { recordVersion } from '../hot-fields'
import type { DeleteOutcome, KeyWrite, VersionedPlan, WriteOutcome } from '../types'
import type { RedisKeyNames } from './key-names'
import { luaScript } from './lua'

const lua = luaScript

type Reply = [string, (number | string)?]

interface WriteCommands {
  keyguardWriteKey(...args: Array<string | number>): Promise<Reply>
  keyguardDeleteKey(...args: string[]): Promise<Reply>
  keyguardSaveClientToken(...args: Array<string | number>): Promise<string>
  keyguardWritePlan(...args: string[]): Promise<Reply>
}

/** Defines the write scripts on a client (EVALSHA, reloaded on NOSCRIPT by ioredis). */
export function defineWriteCommands(client: Redis | Cluster): void {
  client.defineCommand('keyguardWriteKey', { numberOfKeys: 4, lua: lua('write-key.lua') })
  client.defineCommand('keyguardDeleteKey', { numberOfKeys: 7, lua: lua('delete-key.lua') })
  client.defineCommand('keyguardSaveClientToken', {
    numberOfKeys: 2,
    lua: lua('save-client-token.lua'),
  })
  client.defineCommand('keyguardWritePlan', { numberOfKeys: 1, lua: lua('write-plan.lua') })
}

const commands = (client: Redis | Cluster): WriteCommands => client as unknown as WriteCommands
const tagOf = (id: string): string => id.slice(0, TAG_LENGTH)

function outcome(reply: Reply): WriteOutcome {
  if (reply[0] === 'ok') return { ok: true, version: Number(reply[1]) }
  return { ok: false, reason: reply[0] as 'missing' | 'exists' | 'stale' }
}

export async function writeKey(
  client: Redis | Cluster,
  names: RedisKeyNames,
  write: KeyWrite,
): Promise<WriteOutcome> {
  const { id } = write
  const tag = tagOf(id)
  const set: string[] = []
  const del: string[] = []
  for (const [field, value] of Object.entries(write.fields)) {
    if (value === null) del.push(field)
    else set.push(field, value)
  }
  const json = write.record === undefined ? '' : JSON.stringify(write.record)
  const flags = `${write.resetWindows ? 'r' : ''}${write.dropClientTokens ? 'c' : ''}`
  const reply = await commands(client).keyguardWriteKey(
    names.hot(tag, id),
    names.record(tag, id),
    names.ring(tag, id),
    names.clientTokens(tag, id),
    String(write.expect),
    json,
    json === '' ? '' : recordVersion(json),
    flags,
    set.length / 2,
    ...set,
    ...del,
  )
  return outcome(reply)
}

export async function deleteKey(
  client: Redis | Cluster,
  names: RedisKeyNames,
  id: string,
  expect: number | undefined,
): Promise<DeleteOutcome> {
  const tag = tagOf(id)
  const reply = await commands(client).keyguardDeleteKey(
    names.hot(tag, id),
    names.record(tag, id),
    names.ring(tag, id),
    names.clientTokens(tag, id),
    names.logs(tag, id),
    names.seriesHour(tag, id),
    names.seriesDay(tag, id),
    expect === undefined ? '' : String(expect),
  )
  if (reply[0] === 'ok') return { ok: true, record: JSON.parse(String(reply[1])) }
  return { ok: false, reason: reply[0] as 'missing' | 'in_use' | 'stale' }
}

export async function saveClientToken(
  client: Redis | Cluster,
  names: RedisKeyNames,
  token: { keyId: string; keyVersion: number; hash: string; value: string },
  now: number,
  keptMs: number,
): Promise<'ok' | 'stale'> {
  const tag = tagOf(token.keyId)
  const reply = await commands(client).keyguardSaveClientToken(
    names.hot(tag, token.keyId),
    names.clientTokens(tag, token.keyId),
    token.keyVersion,
    token.hash,
    token.value,
    now,
    keptMs,
  )
  return reply === 'ok' ? 'ok' : 'stale'
}

export async function writePlan(
  client: Redis | Cluster,
  names: RedisKeyNames,
  id: string,
  plan: Plan | null,
  expect: number | 'new',
): Promise<WriteOutcome> {
  const version = expect === 'new' ? 1 : expect + 1
  const json = plan === null ? '' : JSON.stringify({ ...plan, _v: version })
  const reply = await commands(client).keyguardWritePlan(names.plans, id, String(expect), json)
  return reply[0] === 'ok' ? { ok: true, version } : outcome(reply)
}

/** A stored plan's JSON: the plan, and its version in `_v` (0 for a plan stored before versions). */
export function parsePlan(json: string): VersionedPlan {
  const { _v, ...plan } = JSON.parse(json) as Plan & { _v?: number }
  // A plan stored before Limitly's fields existed reads with their defaults.
  return { plan: withLimitlyFields(plan), version: typeof _v === 'number' ? _v : 0 }
}
