// req.apiKey: the key's public record and token type, parsed from the verdict's JSON on first read.

import type { Request } from 'express'
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

const SLOT = Symbol('keyguard.apiKey')

interface Slot {
  /** The record's JSON until the first read; null once parsed (or assigned). */
  json: string | null
  /** A client token's own scopes (comma-separated), which replace the key's. */
  tokenScopes: string | null
  type: TokenType
  value: ApiKeyContext | undefined
}

type Carrier = Request & { [SLOT]?: Slot }

/**
 * Shared by every request: an own, enumerable property that reads and assigns like a plain one.
 * Many routes never read it, so most requests skip the JSON.parse altogether.
 */
const PROPERTY: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Carrier): ApiKeyContext | undefined {
    const slot = this[SLOT]
    if (slot === undefined) return undefined
    if (slot.json !== null) {
      slot.value = parse(slot.json, slot.tokenScopes, slot.type)
      slot.json = null
    }
    return slot.value
  },
  set(this: Carrier, value: ApiKeyContext | undefined): void {
    const slot = this[SLOT]
    if (slot === undefined) {
      this[SLOT] = { json: null, tokenScopes: null, type: 'sk', value }
    } else {
      slot.json = null
      slot.value = value
    }
  },
}

function parse(json: string, tokenScopes: string | null, type: TokenType): ApiKeyContext {
  const context = JSON.parse(json) as ApiKeyContext
  // A client token acts with its own scopes, never more than its parent key's.
  if (tokenScopes !== null) context.scopes = tokenScopes === '' ? [] : tokenScopes.split(',')
  context.token_type = type
  return context
}

/** Puts a verified key on `req.apiKey`, to be parsed from `json` when first read. */
export function setApiKey(
  req: Request,
  json: string,
  tokenScopes: string | null,
  type: TokenType,
): void {
  const carrier = req as Carrier
  carrier[SLOT] = { json, tokenScopes, type, value: undefined }
  Object.defineProperty(carrier, 'apiKey', PROPERTY)
}
