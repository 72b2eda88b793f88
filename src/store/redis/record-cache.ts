// The guard's copy of recent keys' records, by version: the script then skips the record's GET.

/** Records kept per store; the oldest is dropped beyond it. */
const MAX_RECORDS = 10000

interface Cached {
  version: string
  json: string
}

/**
 * Never stale: the script compares the version with the one in the key's hot hash and sends the
 * record whenever they differ, so a copy is only used while it is the current record.
 */
export class RecordCache {
  private readonly entries = new Map<string, Cached>()

  constructor(private readonly max = MAX_RECORDS) {}

  get(id: string): Cached | undefined {
    return this.entries.get(id)
  }

  set(id: string, version: string, json: string): void {
    if (version === '') return
    this.entries.delete(id)
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(id, { version, json })
  }
}
