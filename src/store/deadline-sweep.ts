// One shared timer bounds every pending store call: it is armed for the earliest deadline and a sweep
// rejects the overdue ones, so no call has a timer of its own and none waits for a polling interval.

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

  /** The deadline of the first unsettled entry, after `expire` dropped the settled head. */
  get next(): number {
    const entry = this.items[this.head]
    return entry === undefined ? Number.POSITIVE_INFINITY : entry.at
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
/** When the armed timer is due: a deadline earlier than this re-arms it. */
let armedAt = Number.POSITIVE_INFINITY
/** A timer this late has stopped running (fake timers in tests): it is replaced. */
const STALLED_MS = 250

const now = (): number => performance.now()

function arm(at: number): void {
  if (timer !== null) clearTimeout(timer)
  armedAt = at
  // Timers fire on whole milliseconds: round up, so that the sweep never runs just before the deadline.
  timer = setTimeout(sweep, Math.max(0, Math.ceil(at - now())))
  timer.unref()
}

function sweep(): void {
  timer = null
  armedAt = Number.POSITIVE_INFINITY
  const at = now()
  const due: Array<() => void> = []
  let next = Number.POSITIVE_INFINITY
  for (const [ms, queue] of queues) {
    queue.expire(at, due)
    if (queue.size === 0) queues.delete(ms)
    else next = Math.min(next, queue.next)
  }
  if (next !== Number.POSITIVE_INFINITY) arm(next)
  for (const fire of due) fire()
}

/** A deadline registered with the sweep; `clear()` once the call settled. */
export interface Deadline {
  clear(): void
}

/**
 * Calls `onExpire` once `ms` have passed (on an event loop that is not blocked, within about a
 * millisecond) unless cleared first. The one timer is armed only while deadlines are pending, and
 * is unref'd: it never keeps a process alive.
 */
export function deadline(ms: number, onExpire: () => void): Deadline {
  const start = now()
  const entry: Entry = { at: start + ms, fire: onExpire }
  let queue = queues.get(ms)
  if (queue === undefined) {
    queue = new Queue()
    queues.set(ms, queue)
  }
  queue.push(entry)
  // With one bound, later calls have later deadlines: the armed timer already covers them.
  if (entry.at < armedAt || start - armedAt > STALLED_MS) arm(entry.at)
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
