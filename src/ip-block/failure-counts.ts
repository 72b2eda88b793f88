// Failed authentications per IP group, counted in memory (bounded) and batched for a shared count.

/** IP groups whose failure window a process keeps; past it, the oldest windows are dropped. */
export const MAX_TRACKED_GROUPS = 50_000
/** IP groups whose failures wait for the next flush; past it, the longest waiting are dropped. */
export const MAX_PENDING_GROUPS = 10_000
/** IP groups written per flush, those with the most failures first; the rest wait for the next one. */
export const FLUSH_BATCH = 1_000

/**
 * Brings a map that grew past `max` back to 90% of it in one pass: drops the entries that
 * `ended`, then the oldest. One pass per 10% of growth, not a look at the oldest entry per
 * insert: V8 skips every deleted slot at a Map's head each time an iteration starts.
 */
export function trimOldest<V>(map: Map<string, V>, max: number, ended: (v: V) => boolean): void {
  if (map.size <= max) return
  for (const [key, v] of map) if (ended(v)) map.delete(key)
  const target = Math.floor(max * 0.9)
  for (const key of map.keys()) {
    if (map.size <= target) break
    map.delete(key)
  }
}

interface Window {
  count: number
  end: number
}

/**
 * Per group: the failures of its current window (a fixed window from its first failure, as
 * rate-limiter-flexible counts) and the shared failures not yet written to the store.
 * Both maps keep the oldest entry first, which is the one dropped first past the caps.
 */
export class FailureCounts {
  private readonly windows = new Map<string, Window>()
  private readonly pending = new Map<string, number>()

  /** Groups with a window in memory. */
  get tracked(): number {
    return this.windows.size
  }

  /** Groups with failures not yet flushed. */
  get waiting(): number {
    return this.pending.size
  }

  /** Counts one failure (to be flushed when `share`); returns the group's failures in its window. */
  add(group: string, now: number, windowMs: number, share = true): number {
    let window = this.windows.get(group)
    if (window === undefined || window.end <= now) {
      // A new window goes last: the map stays in the order the windows end.
      this.windows.delete(group)
      window = { count: 0, end: now + windowMs }
      this.windows.set(group, window)
      trimOldest(this.windows, MAX_TRACKED_GROUPS, (w) => w.end <= now)
    }
    window.count++
    if (share) {
      this.pending.set(group, (this.pending.get(group) ?? 0) + 1)
      trimOldest(this.pending, MAX_PENDING_GROUPS, () => false)
    }
    return window.count
  }

  /** Forgets a group's window and its unflushed failures. */
  forget(group: string): void {
    this.windows.delete(group)
    this.pending.delete(group)
  }

  /** Takes up to `max` groups' unflushed failures, the groups with the most first. */
  take(max = FLUSH_BATCH): Array<[string, number]> {
    let batch = [...this.pending]
    if (batch.length > max) batch = batch.sort((a, b) => b[1] - a[1]).slice(0, max)
    if (batch.length === this.pending.size) this.pending.clear()
    else for (const [group] of batch) this.pending.delete(group)
    return batch
  }

  /** Drops the windows that ended. */
  sweep(now: number): void {
    for (const [group, w] of this.windows) if (w.end <= now) this.windows.delete(group)
  }
}

/** Adds `group` as the newest entry; past the cap, drops ended entries, then the oldest. */
export function setBounded<V>(
  map: Map<string, V>,
  group: string,
  value: V,
  ended: (v: V) => boolean,
) {
  map.delete(group)
  map.set(group, value)
  trimOldest(map, MAX_TRACKED_GROUPS, ended)
}
