// `keyguard inspect <key_id>`: every Redis key behind an API key, with type, TTL and raw fields.

import type { Command } from 'commander'
import { notFound } from '../errors'
import { type InspectedKey, inspectRedisKeys } from '../store'
import { isKeyId } from '../token'
import { globalOptions, withStore } from './context'
import { idFrom } from './flags'
import { cell, print, table } from './format'

function ttlText(ms: number): string {
  if (ms === -2) return 'missing'
  if (ms === -1) return 'no TTL'
  if (ms >= 86400000) return `TTL ${(ms / 86400000).toFixed(1)} d`
  if (ms >= 1000) return `TTL ${(ms / 1000).toFixed(1)} s`
  return `TTL ${ms} ms`
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')

/** A JSON record, indented; anything else as it is (escaped). */
function pretty(value: string): string {
  try {
    return cell(JSON.stringify(JSON.parse(value), null, 2)).replace(/\\u000a/g, '\n')
  } catch {
    return cell(value)
  }
}

function inspectText(keys: readonly InspectedKey[]): string {
  return keys
    .map((k) => {
      const head = `${cell(k.key)}  ${k.type}  ${ttlText(k.ttl_ms)}\n  ${k.role}`
      if (k.entries.length === 0) return head
      if (k.type === 'string') return `${head}\n${indent(pretty(k.entries[0]?.value ?? ''))}`
      const body = table(
        ['FIELD', 'VALUE', 'MEANING'],
        k.entries.map((e) => [e.field, e.value, e.meaning]),
      )
      return `${head}\n${indent(body)}`
    })
    .join('\n\n')
}

export function inspectCommand(program: Command): void {
  program
    .command('inspect [key_id]')
    .description('print every Redis key behind an API key: type, TTL, each field and counter')
    .option('--key-id <id>', 'the key id. Defaults to the argument')
    .action(async (keyId: string | undefined, o: { keyId?: string }, cmd: Command) => {
      await withStore(cmd, async ({ client, store }) => {
        const id = idFrom(keyId, o.keyId, 'key id')
        if (!isKeyId(id)) throw notFound(id)
        const keys = await inspectRedisKeys(client, store.names, id)
        if (keys[0]?.type === 'none' && keys[1]?.type === 'none') throw notFound(id)
        print(globalOptions(cmd).json, { data: { id, keys } }, () => inspectText(keys))
      })
    })
}
