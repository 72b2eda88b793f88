// req.apiKey: an accessor defined once per request prototype; the record's JSON is parsed on first read.

import { IncomingMessage } from 'node:http'
import type { TokenType } from '../token'
import type { ApiKey } from '../types'

/** What the guard puts on `req.apiKey`: the key's public record and the token type used. */
export type ApiKeyContext = Omit<ApiKey, 'last_used_at'> & { token_type: TokenType }

declare global {
  namespace Express {
    interface Request {
      /** Set by apiKeyGuard for an allowed request. */
      apiKey?: ApiKeyContext
    }
  }
}

// Shared by every copy of keyguard in the process (its CommonJS and ESM builds, two versions):
// the first copy's accessor on IncomingMessage.prototype reads what any copy put in the slot.
const SLOT = Symbol.for('keyguard.apiKey')

interface Slot {
  /** The record's JSON until the first read; null once parsed. */
  json: string | null
  /** A client token's own scopes (comma-separated), which replace the key's. */
  tokenScopes: string | null
  type: TokenType
  value: ApiKeyContext | undefined
}

type Carrier = object & { [SLOT]?: Slot | undefined }

/** Parses a verified key's record into what `req.apiKey` holds. */
export function apiKeyContext(
  json: string,
  tokenScopes: string | null,
  type: TokenType,
): ApiKeyContext {
  const context = JSON.parse(json) as ApiKeyContext
  // A client token acts with its own scopes, never more than its parent key's.
  if (tokenScopes !== null) context.scopes = tokenScopes === '' ? [] : tokenScopes.split(',')
  context.token_type = type
  return context
}

/**
 * On the prototype: reading parses the slot once; assigning makes an own, plain property (so
 * `delete req.apiKey` leaves nothing behind). Many routes never read it, so most requests skip
 * the JSON.parse, and no request pays for a property definition.
 */
const ACCESSOR: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: Carrier): ApiKeyContext | undefined {
    const slot = this[SLOT]
    if (slot === undefined) return undefined
    if (slot.json !== null) {
      slot.value = apiKeyContext(slot.json, slot.tokenScopes, slot.type)
      slot.json = null
    }
    return slot.value
  },
  set(this: Carrier, value: ApiKeyContext | undefined): void {
    this[SLOT] = undefined
    Object.defineProperty(this, 'apiKey', {
      configurable: true,
      enumerable: true,
      writable: true,
      value,
    })
  },
}

const installed = new WeakSet<object>()
let lastPrototype: object | null = null

/**
 * On node:http's IncomingMessage.prototype when the request inherits from it: Express swaps a
 * request's prototype as it enters and leaves a mounted sub-app, and every app's inherits from it.
 */
function install(prototype: object): void {
  if (!installed.has(prototype)) {
    const root = prototype instanceof IncomingMessage || prototype === IncomingMessage.prototype
    const target = root ? IncomingMessage.prototype : prototype
    // An accessor of someone else's is left alone.
    if (!Object.hasOwn(target, 'apiKey')) Object.defineProperty(target, 'apiKey', ACCESSOR)
    installed.add(prototype)
  }
  lastPrototype = prototype
}

/** Puts a verified key on `req.apiKey`, to be parsed from `json` when first read. */
export function setApiKey(
  req: object,
  json: string,
  tokenScopes: string | null,
  type: TokenType,
): void {
  const prototype = Object.getPrototypeOf(req) as object
  if (prototype !== lastPrototype) install(prototype)
  const carrier = req as Carrier
  // An earlier own value (another guard's assignment) would hide the accessor.
  if (Object.hasOwn(carrier, 'apiKey')) delete (carrier as { apiKey?: unknown }).apiKey
  carrier[SLOT] = { json, tokenScopes, type, value: undefined }
}
