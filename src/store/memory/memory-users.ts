// MemoryStore's users: versioned records, the id sequence, and the disabled flag per hash tag.

import { tagFor } from '../../token'
import type { WriteOutcome } from '../types'
import type { StoredUser, VersionedUser } from '../user-store'
import { writeVersioned } from './versioned-write'

export class MemoryUsers {
  private readonly users = new Map<string, VersionedUser>()
  /** Hash tags whose user is disabled: verification refuses their keys (RedisStore: `d` in `:u`). */
  private readonly disabled = new Set<string>()
  private seq = 0

  // No await between the check and the change: atomic in one process, as write-user.lua.
  write(id: string, user: StoredUser | null, expect: number | 'new'): WriteOutcome {
    const outcome = writeVersioned(this.users, 'user', id, user, expect)
    if (outcome.ok) this.setDisabled(tagFor(id), user?.is_disabled === true)
    return outcome
  }

  load(id: string): VersionedUser | null {
    const found = this.users.get(id)
    return found ? structuredClone(found) : null
  }

  list(): StoredUser[] {
    return [...this.users.values()].map((u) => structuredClone(u.user))
  }

  next(): number {
    this.seq += 1
    return this.seq
  }

  setDisabled(tag: string, disabled: boolean): void {
    if (disabled) this.disabled.add(tag)
    else this.disabled.delete(tag)
  }

  isDisabled(tag: string): boolean {
    return this.disabled.has(tag)
  }
}
