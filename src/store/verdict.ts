// The outcome of one verification, and MemoryStore's flat reply decoded into it.

import { WINDOW_NAMES, type WindowName } from '../types'

export type Outcome = 'ok' | 'invalid' | 'inactive' | 'expired' | 'scope' | 'quota' | 'rate'
const OUTCOMES: readonly Outcome[] = [
  'ok',
  'invalid',
  'inactive',
  'expired',
  'scope',
  'quota',
  'rate',
]

export interface WindowState {
  name: WindowName
  limit: number
  remaining: number
  /** Milliseconds until this window gives credit back (rates: until the bucket is full again). */
  resetMs: number
}

export interface Verdict {
  outcome: Outcome
  failed: WindowName | null
  /** Milliseconds to wait before retrying; -1 when the failed limit never resets (total quota). */
  retryAfterMs: number
  /** Only the windows the key has a limit on. */
  windows: WindowState[]
  /** The key's public record as JSON, on success. */
  record: string | null
  /** Version of the record (changes whenever the record does), on success; '' when unknown. */
  recordVersion: string
  /** A client token's own scopes (comma-separated), on success. */
  tokenScopes: string | null
  /** The store's time of the verification, ms since the epoch: resets count from it. */
  nowMs: number
}

export type RawVerdict = ReadonlyArray<number | string>

/** MemoryStore's flat reply as a Verdict; `nowMs` is the store's time of the verification. */
export function decodeVerdict(raw: RawVerdict, nowMs: number): Verdict {
  const outcome = OUTCOMES[Number(raw[0])] ?? 'invalid'
  const windows: WindowState[] = []
  // 3 numbers, then limit, remaining and reset for each of the 7 windows, then the success fields.
  if (raw.length >= 24) {
    for (let k = 0; k < WINDOW_NAMES.length; k++) {
      const limit = Number(raw[3 + 3 * k])
      if (limit < 0) continue
      windows.push({
        name: WINDOW_NAMES[k] as WindowName,
        limit,
        remaining: Math.max(0, Number(raw[4 + 3 * k])),
        resetMs: Math.max(0, Number(raw[5 + 3 * k])),
      })
    }
  }
  const failedIndex = Number(raw[1] ?? 0)
  return {
    outcome,
    failed: failedIndex > 0 ? (WINDOW_NAMES[failedIndex - 1] ?? null) : null,
    retryAfterMs: Number(raw[2] ?? 0),
    windows,
    record: outcome === 'ok' && typeof raw[24] === 'string' && raw[24] !== '' ? raw[24] : null,
    recordVersion: outcome === 'ok' && typeof raw[25] === 'string' ? raw[25] : '',
    tokenScopes: outcome === 'ok' && typeof raw[26] === 'string' ? raw[26] : null,
    nowMs,
  }
}
