// Tells lost data from unknown keys: a sentinel per hash slot (one key on a single Redis), written once at setup.

import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { StoreUnavailableError } from '../../errors'
import { emitEvent, hasEventListeners, type Logger } from '../../telemetry'
import { hashSlot } from './key-names'

/** Redis Cluster's hash slots: a Cluster holds one sentinel per slot, so each moves with its slot. */
export const SLOTS = 16384
/** Sentinel commands sent at once when (re)writing or counting them on a Cluster. */
const CHUNK = 1024
/** Slots a Cluster is probed at for any sentinel, spread over the slot range. */
const PROBE_SLOTS = 64
/** How long a Cluster found without any sentinel counts as new before the next probe, in ms. */
const NEW_STORE_RECHECK_MS = 1000

/** What a store answers for a token of a slot whose sentinel is gone, until it is back or confirmed. */
export class StoreDataLostError extends StoreUnavailableError {
  readonly dataLost = true
  constructor(message: string) {
    super(message)
    this.name = 'StoreDataLostError'
  }
}

/** A change of what the store knows about its data, for metrics and alerts (`onDataLoss`). */
export interface DataLossEvent {
  /** `lost`: a slot's sentinel is gone; `restored`: every lost slot has its sentinel again (restored or confirmed). */
  state: 'lost' | 'restored'
  /** The hash slot (always 0 on a single Redis). */
  slot: number
  /** Slots this process knows to be lost, after the change. */
  lostSlots: number
  message: string
}

export interface DataLossStatus {
  /** Slots this process saw without their sentinel and not back since. */
  lostSlots: number
  /** Verifications refused with 503 because their slot had lost its data. */
  refused: number
}

/** A short hash tag for each Cluster slot, found once: `{tag}` puts a key in that slot. */
let slotTags: string[] | null = null
function slotTag(slot: number): string {
  if (slotTags === null) {
    const tags: string[] = new Array(SLOTS)
    let found = 0
    for (let i = 0; found < SLOTS; i++) {
      const tag = i.toString(36)
      const s = hashSlot(tag)
      if (tags[s] === undefined) {
        tags[s] = tag
        found++
      }
    }
    slotTags = tags
  }
  return slotTags[slot] as string
}

export interface SentinelContext {
  client: Redis | Cluster
  prefix: string
  /** Called on each change. */
  onDataLoss?: (event: DataLossEvent) => void
  logger?: Logger
}

/**
 * The sentinels of a store. A token whose key is not found is a guess only while its slot's
 * sentinel is there; without it, Redis came back empty or partial (a restart without
 * persistence, a failover to a replica that lacked the data) and the store answers 503 until the
 * data is restored or an operator confirms it (`keyguard store confirm-empty`).
 * Checked only when a key is not found: the hot path stays one round trip.
 *
 * A store with no sentinel at all is new (its first key creation writes them), unless this
 * process saw one before: a process that starts after Redis lost everything cannot tell that
 * from a new store (`keyguard store status` can: it lists no keys either way, but an operator
 * knows which).
 */
export class Sentinels {
  private readonly cluster: boolean
  /** This process saw every sentinel (or wrote them): key creations need not look again. */
  private armed = false
  /** This process saw at least one sentinel: from then on, a missing one is a loss. */
  private seen = false
  /** Until when a store found to have no sentinel at all counts as new without looking again. */
  private newUntil = 0
  private readonly lost = new Set<number>()
  private refused = 0
  /** One look per slot at a time: a flood of guesses shares it. */
  private readonly inFlight = new Map<number, Promise<boolean>>()
  private probing: Promise<boolean> | null = null

  constructor(private readonly ctx: SentinelContext) {
    this.cluster = ctx.client.isCluster
    // Whether the store had its sentinels when this process started; a failure is retried later.
    this.probe().catch(() => {})
  }

  /** The sentinel key of a slot: `{prefix}sentinel` on a single Redis, `{prefix}sentinel:{tag}` on a Cluster. */
  keyOf(slot: number): string {
    return this.cluster
      ? `${this.ctx.prefix}sentinel:{${slotTag(slot)}}`
      : `${this.ctx.prefix}sentinel`
  }

  /** The slots that carry a sentinel: every slot on a Cluster, one on a single Redis. */
  private slots(): number[] {
    return this.cluster ? Array.from({ length: SLOTS }, (_, s) => s) : [0]
  }

  /** Looks for any sentinel (a spread of PROBE_SLOTS slots on a Cluster, so every shard is asked). */
  private probe(): Promise<boolean> {
    if (this.seen) return Promise.resolve(true)
    if (this.probing) return this.probing
    const slots = this.cluster
      ? Array.from({ length: PROBE_SLOTS }, (_, i) => Math.floor((i * SLOTS) / PROBE_SLOTS))
      : [0]
    const run = Promise.all(slots.map((slot) => this.ctx.client.exists(this.keyOf(slot))))
      .then((found) => {
        if (found.some((n) => n === 1)) this.seen = true
        return this.seen
      })
      .finally(() => {
        this.probing = null
      })
    this.probing = run
    return run
  }

  /** Whether a slot still has its data (its sentinel, or a new store); records a loss or a restore. */
  intact(slot: number): Promise<boolean> {
    const running = this.inFlight.get(slot)
    if (running) return running
    const look = this.look(slot).finally(() => this.inFlight.delete(slot))
    this.inFlight.set(slot, look)
    return look
  }

  private async look(slot: number): Promise<boolean> {
    if ((await this.ctx.client.exists(this.keyOf(slot))) === 1) {
      this.seen = true
      this.note(slot, true)
      return true
    }
    if (!this.seen) {
      // No sentinel here, and none seen so far: a new store, unless other slots have theirs.
      if (!this.cluster || Date.now() < this.newUntil) return true
      if (!(await this.probe())) {
        this.newUntil = Date.now() + NEW_STORE_RECHECK_MS
        return true
      }
    }
    this.note(slot, false)
    return false
  }

  /** The error a verification of a lost slot gets (counted). */
  refusal(slot: number): StoreDataLostError {
    this.refused++
    return new StoreDataLostError(
      `Redis lost keyguard's data (slot ${slot} has no sentinel): restore it, or run ` +
        '`keyguard store confirm-empty --yes` if the keys are meant to be gone',
    )
  }

  status(): DataLossStatus {
    return { lostSlots: this.lost.size, refused: this.refused }
  }

  /**
   * At a key creation: a store with no sentinel at all, that this process never saw one in, is
   * new, and gets them now. A store with some (a partial loss), or with none left after this
   * process saw them, gets none: only an operator, or the restored data, brings them back.
   */
  async armIfNew(): Promise<void> {
    if (this.armed || this.lost.size > 0) return
    const present = await this.count()
    if (present === 0 && !this.seen) await this.write()
    else if (present < this.slots().length) return
    this.armed = true
    this.seen = true
  }

  /** How many sentinels exist. */
  async count(): Promise<number> {
    let present = 0
    await this.each(async (key) => {
      present += await this.ctx.client.exists(key)
    })
    return present
  }

  /** The operator's confirmation: every missing sentinel is written; returns how many. */
  async confirm(): Promise<number> {
    const written = await this.write()
    this.armed = true
    this.seen = true
    for (const slot of [...this.lost]) this.note(slot, true, 'confirmed')
    return written
  }

  /** Writes the missing sentinels (never replaces one); returns how many it wrote. */
  private async write(): Promise<number> {
    const value = `${new Date().toISOString()} ${randomBytes(6).toString('hex')}`
    let written = 0
    await this.each(async (key) => {
      if ((await this.ctx.client.set(key, value, 'NX')) === 'OK') written++
    })
    return written
  }

  private async each(run: (key: string) => Promise<void>): Promise<void> {
    const slots = this.slots()
    for (let i = 0; i < slots.length; i += CHUNK) {
      await Promise.all(slots.slice(i, i + CHUNK).map((slot) => run(this.keyOf(slot))))
    }
  }

  private note(slot: number, present: boolean, how: 'seen' | 'confirmed' = 'seen'): void {
    if (present === !this.lost.has(slot)) return
    if (present) this.lost.delete(slot)
    else this.lost.add(slot)
    if (present && this.lost.size > 0) return
    if (!present && this.lost.size > 1) return
    const event: DataLossEvent = present
      ? {
          state: 'restored',
          slot,
          lostSlots: 0,
          message:
            how === 'confirmed'
              ? 'keyguard: the loss of data was confirmed; unknown keys answer 401 again'
              : 'keyguard: the store has its data again; unknown keys answer 401 again',
        }
      : {
          state: 'lost',
          slot,
          lostSlots: this.lost.size,
          message:
            `keyguard: Redis lost keyguard's data (no sentinel at ${this.keyOf(slot)}): tokens of ` +
            'unknown keys now answer 503 STORE_UNAVAILABLE, not 401, and count against no IP. ' +
            'Restore the data, or run `keyguard store confirm-empty` if the keys are meant to be gone',
        }
    // A log line and a metric (keyguard_store_data_loss_total); never the console on its own.
    const fields = { slot: event.slot, lostSlots: event.lostSlots }
    if (event.state === 'lost') {
      this.ctx.logger?.error(fields, event.message)
      if (hasEventListeners()) emitEvent({ type: 'store-data-loss', details: event.message })
    } else {
      this.ctx.logger?.warn(fields, event.message)
    }
    this.ctx.onDataLoss?.(event)
  }
}

export { slotTag }
