// Credits: a key's total quota read as a prepaid balance, changed in one step against the traffic that spends it.

import { randomUUID } from 'node:crypto'
import type { ApiKey } from '../types'

export type CreditsOp = 'set' | 'increment' | 'decrement'

/** One credits change of a key, applied atomically and only if the key is still at `expect`. */
export interface CreditsWrite {
  id: string
  /** The version the record below was computed from. */
  expect: number
  op: CreditsOp
  /** Credits to set, add or take; a whole number >= 0. */
  amount: number
  /** The record to store; its `quotas.total` is computed by the write, from the credits used then. */
  record: Omit<ApiKey, 'last_used_at'>
}

/** How a credits write ended: `unlimited` means increment or decrement met a key without a total quota. */
export type CreditsOutcome =
  | {
      ok: true
      version: number
      /** Credits used so far (the total quota's counter) when the write applied. */
      used: number
      /** The total quota before the write (null: none). */
      before: number | null
      /** The total quota the write stored. */
      limit: number
    }
  | { ok: false; reason: 'missing' | 'stale' | 'unlimited' }

/**
 * The new total quota. Credits left are `limit - used`, never counted below zero: `set` leaves
 * exactly `amount`, `increment` adds to what is left, `decrement` takes from it down to zero at
 * most. Null when a key without a total quota is incremented or decremented. Lua's
 * write-credits.lua computes the same.
 */
export function creditLimit(
  op: CreditsOp,
  amount: number,
  used: number,
  limit: number | null,
): number | null {
  if (op === 'set') return used + amount
  if (limit === null) return null
  const base = Math.max(limit, used)
  return op === 'increment' ? base + amount : Math.max(used, base - amount)
}

/**
 * The record's JSON, split around the value of `quotas.total`, which the store fills in: the two
 * parts are joined by the new limit, written as an integer.
 */
export function splitRecordJson(record: CreditsWrite['record']): [string, string] {
  // A random marker: no value the user stored can contain it.
  const marker = `\u0000kg-credits-${randomUUID()}`
  const json = JSON.stringify({ ...record, quotas: { ...record.quotas, total: marker } })
  const [before, after] = json.split(JSON.stringify(marker))
  return [before ?? '', after ?? '']
}
