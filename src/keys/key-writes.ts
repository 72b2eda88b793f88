// The options and results of single-key writes, and the conflict a pinned version raises.

import { conflict, type KeyguardError } from '../errors'
import type { ApiKey } from '../types'

/** Options of a single-key write. */
export interface WriteOptions {
  /** Apply only if the key is still at this version (the REST API's `If-Match`); else 409 CONFLICT. */
  ifMatch?: number
}

/** What `edit` returns: the written key, the key before the write, and the new version. */
export interface Edited {
  data: ApiKey
  before: ApiKey
  version: number
  /** False when the edit set every field to the value it had: nothing was written. */
  changed: boolean
}

export const staleVersion = (id: string, ifMatch: number | undefined): KeyguardError =>
  conflict('The API key changed since the version this request names (If-Match); read it again', {
    id,
    if_match: ifMatch,
  })

export function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
