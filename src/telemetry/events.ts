// keyguard's events: what happened, for metrics, tracing and your own listeners; nothing is emitted to no one.

import type { ErrorCode } from '../errors'

/** One verification by a guard, after its answer was decided. */
export interface VerdictEvent {
  type: 'verdict'
  /** `allowed`; `rejected` (a 4xx of the error table); `error` (503: the store failed); `fail-open` (the store failed, the request went on). */
  outcome: 'allowed' | 'rejected' | 'error' | 'fail-open'
  /** The error code of a rejection or a 503; null when allowed or failed open. */
  code: ErrorCode | null
  /** The HTTP status the guard answers (200 when it lets the request through). */
  status: number
  /** The key's id, once the token parsed; null for a missing or malformed token. */
  keyId: string | null
  /** Time the guard took, in ms. */
  latencyMs: number
  /** When the verification started, ms since the epoch. */
  startedAt: number
}

/** A store call that failed or timed out on a request's path. */
export interface StoreErrorEvent {
  type: 'store-error'
  error: unknown
}

/** An IP group blocked after failed authentications. */
export interface IpBlockEvent {
  type: 'ip-block'
  group: string
  seconds: number
}

/** Request log entries dropped: the store failed, or the buffer was full. */
export interface RequestLogDropEvent {
  type: 'request-log-drop'
  count: number
}

/** The store came back without the data it had (see docs/operations.md). */
export interface StoreDataLossEvent {
  type: 'store-data-loss'
  details: string
}

export type KeyguardEvent =
  | VerdictEvent
  | StoreErrorEvent
  | IpBlockEvent
  | RequestLogDropEvent
  | StoreDataLossEvent

export type KeyguardEventListener = (event: KeyguardEvent) => void

interface Hub {
  listeners: KeyguardEventListener[]
}

// One hub per process, shared by the CommonJS and ESM builds if both get loaded.
const HUB_KEY = Symbol.for('keyguard.events')
const globals = globalThis as { [HUB_KEY]?: Hub }
const hub: Hub = globals[HUB_KEY] ?? { listeners: [] }
globals[HUB_KEY] = hub

/** Calls `listener` with every keyguard event of this process; returns the function that stops it. */
export function onKeyguardEvent(listener: KeyguardEventListener): () => void {
  hub.listeners = [...hub.listeners, listener]
  return () => {
    hub.listeners = hub.listeners.filter((l) => l !== listener)
  }
}

/** Whether anyone listens: emitters skip building events when no one does. */
export const hasEventListeners = (): boolean => hub.listeners.length > 0

/** Delivers an event; a listener that throws never breaks a request. */
export function emitEvent(event: KeyguardEvent): void {
  for (const listener of hub.listeners) {
    try {
      listener(event)
    } catch {
      // A listener's bug is its own; the request goes on.
    }
  }
}
