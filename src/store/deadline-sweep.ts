// One shared timer bounds every pending store call: a sweep rejects the overdue ones, no timer per command.

/** How often the sweep looks, in ms: a call is settled at most this long after its deadline. */
export const SWEEP_INTERVAL_MS = 5

/** A pending call's deadline; `fire` is null once the call settled (it is then skipped). */
interface Entry {
  at: number
  fire: (() => void) | null
}

/** Calls that share one bound, oldest first: with one bound, the order of arrival is the order of deadlines. */
class Queue {
  private items: Entry[] = []
  private head = 0

  push(entry: Entry): void {
    this.items.push(entry)
  }

  get size(): number {
    return this.items.length - this.head
  }

  /** Fires every entry whose deadline passed; settled ones are only dropped. */
  expire(now: number, due: Array<() => void>): void {
    const { items } = this
    while (this.head < items.length) {
      const entry = items[this.head] as Entry
      if (entry.at > now && entry.fire !== null) break
      if (entry.fire !== null) due.push(entry.fire)
      entry.fire = null
      this.head++
    }
    // Compact once the dropped head outweighs what is left: amortized O(1) per call.
    if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head)
      this.head = 0
    }
  }
}

const queues = new Map<number, Queue>()
let timer: NodeJS.Timeout | null = null
let pending = 0
/** When the sweep last ran (or was armed): a timer that stopped running (fake timers in tests) is replaced. */
let lastSweep = 0
const STALLED_MS = 50 * SWEEP_INTERVAL_MS

const now = (): number => performance.now()

function sweep(): void {
  const at = now()
  lastSweep = at
  const due: Array<() => void> = []
  pending = 0
  for (const [ms, queue] of queues) {
    queue.expire(at, due)
    if (queue.size === 0) queues.delete(ms)
    else pending += queue.size
  }
  if (pending === 0 && timer !== null) {
    clearInterval(timer)
    timer = null
  }
  for (const fire of due) fire()
}

/** A deadline registered with the sweep; `clear()` once the call settled. */
export interface Deadline {
  clear(): void
}

/**
 * Calls `onExpire` about `ms` from now (never more than SWEEP_INTERVAL_MS late, on an event loop
 * that is not blocked) unless cleared first. The one interval runs only while deadlines are
 * pending, and is unref'd: it never keeps a process alive.
 */
export function deadline(ms: number, onExpire: () => void): Deadline {
  const entry: Entry = { at: now() + ms, fire: onExpire }
  let queue = queues.get(ms)
  if (queue === undefined) {
    queue = new Queue()
    queues.set(ms, queue)
  }
  queue.push(entry)
  pending++
  if (timer !== null && entry.at - ms - lastSweep > STALLED_MS) {
    clearInterval(timer)
    timer = null
  }
  if (timer === null) {
    timer = setInterval(sweep, SWEEP_INTERVAL_MS)
    timer.unref()
    lastSweep = entry.at - ms
  }
  return {
    clear: () => {
      entry.fire = null
    },
  }
}

/** Deadlines registered and not yet swept (settled ones count until their deadline passes). */
export function pendingDeadlines(): number {
  let n = 0
  for (const queue of queues.values()) n += queue.size
  return n
}
