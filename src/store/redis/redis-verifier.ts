// RedisStore's verifications: those that arrive in one tick go to Redis together, one verify.lua call per hash slot.

import type { Cluster, Redis } from 'ioredis'
import { StoreUnavailableError } from '../../errors'
import { type Deadline, deadline } from '../deadline-sweep'
import type { VerifyRequest } from '../types'
import type { Verdict, WindowState } from '../verdict'
import { unavailable } from '../with-timeout'
import type { RedisKeyNames } from './key-names'
import type { Sentinels } from './sentinels'

/** Tokens verified in one script call at most; a larger tick is split. */
const MAX_BATCH = 64
/** Keys remembered per store (names and record version); the oldest is dropped beyond it. */
const MAX_KNOWN = 10000

const OUTCOMES = ['ok', 'invalid', 'inactive', 'expired', 'scope', 'quota', 'rate'] as const
const WINDOWS = ['second', 'minute', 'total', 'daily', 'weekly', 'monthly', 'yearly'] as const

type Reply = [numbers: string | number, record?: string, version?: string, scopes?: string | null]
type VerifyCommand = (numberOfKeys: number, ...args: Array<string | number>) => Promise<Reply[]>

/** A key this store verified lately: its five Redis keys, and its record by version. */
interface KnownKey {
  keys: [hot: string, record: string, userRate: string, ring: string, tokens: string]
  /** The hash slot of its tag on a Cluster; 0 on a single Redis, where one call takes every slot. */
  slot: number
  /** The version of `json` ('' for none yet): the script sends the record only when it changed. */
  version: string
  json: string
}

interface Waiting {
  request: VerifyRequest
  known: KnownKey
  batch: Batch
  settled: boolean
  resolve: (verdict: Verdict) => void
  reject: (error: unknown) => void
}

/** The verifications of one slot and bound in one tick: one deadline (the shared sweep's) for all. */
interface Batch {
  waiting: Waiting[]
  unsettled: number
  bound: Deadline | null
}

export interface VerifierContext {
  client: Redis | Cluster
  names: RedisKeyNames
  /** The test clock, or undefined for Redis TIME. */
  clock: (() => number) | undefined
  /** The slot of a hash tag (Cluster only). */
  slotOf: (tag: string) => number
  /** The data-loss check of a key that was not found; none: every unknown key is a guess. */
  sentinels?: Sentinels
}

export class RedisVerifier {
  private readonly known = new Map<string, KnownKey>()
  /** Waiting verifications by slot and bound: a batch shares one deadline, never a shorter one. */
  private readonly batches = new Map<string, Batch>()
  private scheduled = false
  private readonly command: VerifyCommand

  constructor(private readonly context: VerifierContext) {
    const { client } = context
    this.command = (client as unknown as { keyguardVerify: VerifyCommand }).keyguardVerify.bind(
      client,
    )
  }

  /**
   * Resolves or rejects within `timeoutMs` (plus the sweep's few ms), counted from this call:
   * time spent in ioredis' queues while Redis reconnects or fails over counts too.
   */
  verify(request: VerifyRequest, timeoutMs: number): Promise<Verdict> {
    const known = this.known.get(request.id) ?? this.remember(request.tag, request.id)
    return new Promise((resolve, reject) => {
      const key = `${known.slot}:${timeoutMs}`
      let batch = this.batches.get(key)
      if (batch === undefined) {
        batch = this.startBatch(timeoutMs)
        this.batches.set(key, batch)
      }
      batch.waiting.push({ request, known, batch, settled: false, resolve, reject })
      batch.unsettled++
      if (!this.scheduled) {
        this.scheduled = true
        // After the I/O callbacks of this turn of the event loop: no request waits longer.
        setImmediate(this.flush)
      }
    })
  }

  private startBatch(timeoutMs: number): Batch {
    const batch: Batch = { waiting: [], unsettled: 0, bound: null }
    batch.bound = deadline(timeoutMs, () => {
      const late = new StoreUnavailableError(`Redis verify did not answer within ${timeoutMs} ms`)
      for (const w of batch.waiting) this.settle(w, null, late)
    })
    return batch
  }

  /** Settles a verification once: a reply after its deadline, or a deadline after its reply, is ignored. */
  private settle(w: Waiting, verdict: Verdict | null, error?: unknown): void {
    if (w.settled) return
    w.settled = true
    if (verdict !== null) w.resolve(verdict)
    else w.reject(error)
    if (--w.batch.unsettled === 0) w.batch.bound?.clear()
  }

  private readonly flush = (): void => {
    this.scheduled = false
    for (const batch of this.batches.values()) {
      const { waiting } = batch
      for (let i = 0; i < waiting.length; i += MAX_BATCH) this.send(waiting.slice(i, i + MAX_BATCH))
    }
    this.batches.clear()
  }

  private send(batch: Waiting[]): void {
    const { clock } = this.context
    const args: Array<string | number> = []
    for (const w of batch) args.push(...w.known.keys)
    args.push(clock ? String(Math.floor(clock() * 1000)) : '')
    for (const w of batch) {
      const r = w.request
      args.push(r.hash, r.cost, r.scopes.join(','), r.type === 'ct' ? 'ct' : '', w.known.version)
    }
    this.command(batch.length * 5, ...args).then(
      (replies) => {
        batch.forEach((w, i) => {
          if (w.settled) return
          const verdict = this.verdict(w.known, replies[i] as Reply)
          if (verdict.outcome === 'invalid') this.checkData(w, verdict)
          else this.settle(w, verdict)
        })
      },
      (error: unknown) => {
        const failure = unavailable(error, 'Redis verify')
        for (const w of batch) this.settle(w, null, failure)
      },
    )
  }

  /** A key that was not found (or a wrong secret): a guess while its slot's sentinel is there, else 503. */
  private checkData(w: Waiting, verdict: Verdict): void {
    const { sentinels } = this.context
    if (!sentinels) return this.settle(w, verdict)
    const slot = w.known.slot
    sentinels.intact(slot).then(
      (intact) => {
        if (intact) this.settle(w, verdict)
        else if (!w.settled) this.settle(w, null, sentinels.refusal(slot))
      },
      (error: unknown) => this.settle(w, null, unavailable(error, 'Redis sentinel check')),
    )
  }

  private remember(tag: string, id: string): KnownKey {
    const { names } = this.context
    if (this.known.size >= MAX_KNOWN) {
      const oldest = this.known.keys().next().value
      if (oldest !== undefined) this.known.delete(oldest)
    }
    const entry: KnownKey = {
      keys: [
        names.hot(tag, id),
        names.record(tag, id),
        names.userRate(tag),
        names.ring(tag, id),
        names.clientTokens(tag, id),
      ],
      slot: this.context.slotOf(tag),
      version: '',
      json: '',
    }
    this.known.set(id, entry)
    return entry
  }

  /** The script's compact reply as a Verdict; the record comes from the copy when it is current. */
  private verdict(known: KnownKey, reply: Reply): Verdict {
    const numbers = String(reply[0])
    const values = parseIntegers(numbers)
    const outcome = OUTCOMES[values[0] ?? 1] ?? 'invalid'
    const windows: WindowState[] = []
    for (let k = 0; k < 7 && values.length >= 24; k++) {
      const limit = values[3 + 3 * k] as number
      if (limit < 0) continue
      windows.push({
        name: WINDOWS[k] as WindowState['name'],
        limit,
        remaining: Math.max(0, values[4 + 3 * k] as number),
        resetMs: Math.max(0, values[5 + 3 * k] as number),
      })
    }
    const failed = values[1] ?? 0
    const verdict: Verdict = {
      outcome,
      failed: failed > 0 ? (WINDOWS[failed - 1] ?? null) : null,
      retryAfterMs: values[2] ?? 0,
      windows,
      record: null,
      recordVersion: '',
      tokenScopes: null,
      // The store's time: last of the 25 numbers, or second after an early refusal's outcome.
      nowMs: (values.length >= 25 ? values[24] : values[1]) ?? 0,
    }
    if (outcome !== 'ok') return verdict
    const record = reply[1] ?? ''
    const version = reply[2] ?? ''
    verdict.recordVersion = version
    verdict.tokenScopes = typeof reply[3] === 'string' ? reply[3] : null
    if (record !== '') {
      verdict.record = record
      if (version !== '') {
        known.version = version
        known.json = record
      }
    } else if (version === known.version) {
      verdict.record = known.json
    }
    return verdict
  }
}

/** "0,-1,250,…" as numbers, without the throwaway strings of a split. */
function parseIntegers(text: string): number[] {
  const out: number[] = []
  let value = 0
  let sign = 1
  let digits = false
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 44
    if (c === 44) {
      out.push(digits ? sign * value : Number.NaN)
      value = 0
      sign = 1
      digits = false
    } else if (c === 45) {
      sign = -1
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48)
      digits = true
    } else {
      // Not a plain integer (e.g. "1e+12" from Lua's number formatting): parse the item whole.
      const end = text.indexOf(',', i)
      const start = text.lastIndexOf(',', i) + 1
      out.push(Number(text.slice(start, end === -1 ? text.length : end)))
      value = 0
      sign = 1
      digits = false
      if (end === -1) break
      i = end
    }
  }
  return out
}
