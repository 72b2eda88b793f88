// Credits on Redis: write-credits.lua reads the credits used and writes the new total quota, record and version in one step.

import type { Cluster, Redis } from 'ioredis'
import { TAG_LENGTH } from '../../token'
import { type CreditsOutcome, type CreditsWrite, splitRecordJson } from '../credits'
import type { RedisKeyNames } from './key-names'
import { luaScript } from './lua'

type Reply = [string, ...Array<number | string>]

interface CreditsCommand {
  keyguardWriteCredits(...args: Array<string | number>): Promise<Reply>
}

/** Defines the script on a client (EVALSHA, reloaded on NOSCRIPT by ioredis). */
export function defineCreditsCommand(client: Redis | Cluster): void {
  client.defineCommand('keyguardWriteCredits', {
    numberOfKeys: 2,
    lua: luaScript('write-credits.lua'),
  })
}

export async function writeCredits(
  client: Redis | Cluster,
  names: RedisKeyNames,
  write: CreditsWrite,
): Promise<CreditsOutcome> {
  const tag = write.id.slice(0, TAG_LENGTH)
  const [before, after] = splitRecordJson(write.record)
  const reply = await (client as unknown as CreditsCommand).keyguardWriteCredits(
    names.hot(tag, write.id),
    names.record(tag, write.id),
    String(write.expect),
    write.op,
    String(write.amount),
    before,
    after,
  )
  if (reply[0] !== 'ok') return { ok: false, reason: reply[0] as 'missing' | 'stale' | 'unlimited' }
  return {
    ok: true,
    version: Number(reply[1]),
    used: Number(reply[2]),
    before: reply[3] === '' || reply[3] === undefined ? null : Number(reply[3]),
    limit: Number(reply[4]),
  }
}
