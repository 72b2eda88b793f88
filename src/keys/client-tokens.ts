// Client tokens (`kg_ct_…`): short-lived, browser-safe, minted from an sk key and billed to it.

import { KeyguardError, notFound, validationError } from '../errors'
import type { AdminStore, LoadedKey } from '../store'
import { grantsScope, hashToken, isKeyId, mintToken } from '../token'
import type { ApiKey } from '../types'
import { parseInput } from '../validation'
import { retryStale, STALE } from './retry-write'
import { type ClientTokenInput, clientTokenSchema } from './schemas'

export interface ClientTokenOptions {
  /** Lifetime when the request names none, in seconds. Defaults to 3600. */
  defaultTtl?: number
  /** Longest lifetime a client token may have, in seconds. Defaults to 86400. */
  maxTtl?: number
}

export interface ClientToken {
  token: string
  expires_at: string
  key_id: string
  user_id: ApiKey['user_id']
  scopes: string[]
}

/** Who asks for the token: an admin may mint for any key; anyone else only for their own. */
export interface TokenCaller {
  id: string
  user_id: ApiKey['user_id']
  scopes: readonly string[]
}

const sameUser = (a: ApiKey['user_id'], b: ApiKey['user_id']): boolean =>
  a !== null && b !== null && String(a) === String(b)

export class ClientTokens {
  private readonly defaultTtl: number
  private readonly maxTtl: number

  constructor(
    private readonly store: AdminStore,
    private readonly prefix: string,
    options: ClientTokenOptions = {},
  ) {
    this.defaultTtl = options.defaultTtl ?? 3600
    this.maxTtl = options.maxTtl ?? 86400
  }

  async create(input: ClientTokenInput, caller?: TokenCaller): Promise<{ data: ClientToken }> {
    const body = parseInput(clientTokenSchema, input)
    const ttl = body.ttl_seconds ?? this.defaultTtl
    if (ttl > this.maxTtl) {
      throw validationError('ttl_seconds', `must be at most ${this.maxTtl} seconds`)
    }
    // Minted against the parent's version: a deactivation or regenerate that lands first wins.
    const minted = await retryStale('The parent key', async () => {
      const { parent, version, graceUntil } = await this.parentOf(body, caller)
      // By default the parent's scopes, less any that grants admin (`admin`, `*`).
      const scopes = body.scopes ?? parent.scopes.filter((s) => !grantsScope([s], 'admin'))
      if (scopes.some((s) => grantsScope([s], 'admin'))) {
        throw validationError('scopes', 'client tokens can never carry the admin scope')
      }
      const outside = scopes.find((s) => !grantsScope(parent.scopes, s))
      if (outside !== undefined) {
        throw validationError('scopes', `"${outside}" is not a scope of the parent key`)
      }
      const now = await this.store.now()
      let expiresMs = now + ttl * 1000
      // The caller may hold the secret a regenerate replaced: its tokens never outlive that grace.
      if (graceUntil !== null && graceUntil > now) expiresMs = Math.min(expiresMs, graceUntil)
      const token = mintToken(this.prefix, 'ct', parent.id)
      const saved = await this.store.saveClientToken(
        parent.id,
        version,
        hashToken(token),
        expiresMs,
        scopes,
      )
      return saved === 'ok' ? { parent, token, expiresMs, scopes } : STALE
    })
    const { parent, token, expiresMs, scopes } = minted
    return {
      data: {
        token,
        expires_at: new Date(expiresMs).toISOString(),
        key_id: parent.id,
        user_id: parent.user_id,
        scopes,
      },
    }
  }

  private async parentOf(
    body: { key_id?: string; user_id?: string | number },
    caller: TokenCaller | undefined,
  ): Promise<{ parent: ApiKey; version: number; graceUntil: number | null }> {
    const admin = caller === undefined || grantsScope(caller.scopes, 'admin')
    let loaded: LoadedKey | null | undefined = null
    if (body.key_id !== undefined) {
      loaded = isKeyId(body.key_id) ? await this.store.loadKey(body.key_id) : null
      // Not an admin's key to see: answer as if it did not exist.
      if (!loaded || (!admin && loaded.key.id !== caller?.id)) throw notFound(body.key_id)
    } else {
      const userId = body.user_id ?? null
      if (!admin && caller && sameUser(caller.user_id, userId)) {
        loaded = await this.store.loadKey(caller.id)
      } else if (admin) {
        loaded = await this.newestActiveKeyOf(userId)
      }
      if (!loaded) {
        throw new KeyguardError(404, 'API_KEY_NOT_FOUND', 'API key not found', { user_id: userId })
      }
    }
    const parent = loaded.key
    if (parent.type !== 'sk') {
      throw validationError('key_id', 'client tokens are minted from a secret key (sk)')
    }
    if (parent.status !== 'active') {
      throw validationError('key_id', 'the parent key is inactive')
    }
    if (user(body) !== null && !sameUser(parent.user_id, user(body))) {
      throw validationError('user_id', 'the key does not belong to this user_id')
    }
    const graceUntil = admin ? null : (loaded.previous?.untilMs ?? null)
    return { parent, version: loaded.version, graceUntil }
  }

  private async newestActiveKeyOf(userId: ApiKey['user_id']): Promise<LoadedKey | undefined> {
    const ids = await this.store.listKeyIds()
    let best: LoadedKey | undefined
    for (const id of ids) {
      const loaded = await this.store.loadKey(id)
      const key = loaded?.key
      if (key && key.type === 'sk' && key.status === 'active' && sameUser(key.user_id, userId)) {
        if (!best || key.created_at > best.key.created_at) best = loaded ?? undefined
      }
    }
    return best
  }
}

const user = (body: { user_id?: string | number }): ApiKey['user_id'] => body.user_id ?? null
