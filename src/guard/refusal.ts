// What a guard tells a custom handler, or another server's adapter, about a refused request.

import type { ErrorCode } from '../errors'
import type { Verdict } from '../store'

export interface Refusal {
  /** 401, 403, 429 or 503, as in the error table. */
  status: number
  code: ErrorCode
  /** The JSON body the guard would send: `{ error, code }`. */
  body: Readonly<{ error: string; code: ErrorCode }>
  /** The store's verdict, when the store answered (its windows are in the RateLimit headers). */
  verdict: Verdict | null
  /** The key's id, once the token parsed. */
  keyId: string | null
}
