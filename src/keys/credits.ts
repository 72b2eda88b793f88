// Credits of a key: its total quota read as a prepaid balance (Unkey's "remaining"), set or topped up atomically.

import { z } from 'zod'
import { conflict, KeyguardError, notFound } from '../errors'
import type { CreditsOp, Store } from '../store'
import { isKeyId } from '../token'
import type { ApiKey } from '../types'
import { parseInput } from '../validation'
import { type Edited, staleVersion, type WriteOptions } from './key-writes'
import { retryStale, STALE } from './retry-write'

export const creditsSchema = z.strictObject({
  op: z.enum(['set', 'increment', 'decrement'], {
    error: 'must be "set", "increment" or "decrement"',
  }),
  amount: z
    .number({ error: 'must be a whole number of credits' })
    .int('must be a whole number of credits')
    .min(0, 'must be 0 or more')
    .max(1e12, 'must be 1000000000000 or less'),
})

export type CreditsInput = z.input<typeof creditsSchema>

/** The balance after a change: `limit` is the key's total quota, `used` what was spent of it. */
export interface CreditsBalance {
  op: CreditsOp
  amount: number
  used: number
  limit: number
  remaining: number
  /** Credits left just before the change (null: the key had no total quota, so no limit). */
  remaining_before: number | null
}

export interface CreditsEdited extends Edited {
  credits: CreditsBalance
}

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * Applies one credits change to the key's current record. The record is read, then written by one
 * atomic store step that reads the credits used at that moment; a write that lands in between is
 * retried (traffic changes no version: only admin writes do).
 */
export async function changeCredits(
  store: Store,
  id: string,
  input: CreditsInput,
  options: WriteOptions = {},
): Promise<CreditsEdited> {
  const { op, amount } = parseInput(creditsSchema, input)
  return retryStale(`API key ${id}`, async () => {
    const loaded = isKeyId(id) ? await store.loadKey(id) : null
    if (!loaded) throw notFound(id)
    if (options.ifMatch !== undefined && loaded.version !== options.ifMatch) {
      throw staleVersion(id, options.ifMatch)
    }
    if (loaded.key.status === 'revoked') {
      throw conflict(`API key ${id} is revoked: its credits can never change; create a new key`, {
        id,
      })
    }
    const { last_used_at, ...current } = loaded.key
    const record = { ...current, updated_at: iso(await store.now()) }
    const outcome = await store.writeCredits({ id, expect: loaded.version, op, amount, record })
    if (!outcome.ok) {
      if (outcome.reason === 'missing') throw notFound(id)
      if (outcome.reason === 'unlimited') throw unlimited(id, op)
      if (options.ifMatch !== undefined) throw staleVersion(id, options.ifMatch)
      return STALE
    }
    const data: ApiKey = {
      ...record,
      quotas: { ...record.quotas, total: outcome.limit },
      last_used_at,
    }
    return {
      data,
      before: loaded.key,
      version: outcome.version,
      changed: true,
      credits: {
        op,
        amount,
        used: outcome.used,
        limit: outcome.limit,
        remaining: outcome.limit - outcome.used,
        remaining_before:
          outcome.before === null ? null : Math.max(0, outcome.before - outcome.used),
      },
    }
  })
}

const unlimited = (id: string, op: CreditsOp): KeyguardError =>
  new KeyguardError(
    409,
    'CONFLICT',
    `API key ${id} has no credit limit (quotas.total is null), so there is nothing to ${op}: give it a balance first with op "set"`,
    { id, op },
  )
