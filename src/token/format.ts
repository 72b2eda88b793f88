// Token format: `<prefix>_<type>_<id><secret><checksum>`; the id (and so the Redis slot) is read
// from the token itself, and a CRC-32 checksum rejects typos without any store call.

import { createHash, hash as oneShotHash, randomBytes } from 'node:crypto'
import type { TokenType } from '../types'
import { encodeBase62, isBase62, uint32ToBase62 } from './base62'
import { crc32 } from './crc32'

export type { TokenType }
export const TOKEN_TYPES: readonly TokenType[] = ['sk', 'pat', 'ct']

/** Length of the hash-tag part of a key id: every Redis key of one id (or one user) shares it. */
export const TAG_LENGTH = 12
export const ID_LENGTH = 20
const SECRET_LENGTH = 22 // 16 random bytes = 128 bits
const CHECKSUM_LENGTH = 6
const BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH
const MAX_TOKEN_LENGTH = 128

export interface ParsedToken {
  prefix: string
  type: TokenType
  /** The key id, e.g. `3kT9xQ0aLm2PZr7b8cDe`: its first 12 characters are the hash tag. */
  id: string
  tag: string
}

/** The hash tag for a key: derived from its user_id so one user's keys share a slot. */
export function tagFor(userId: string | null | undefined): string {
  const bytes =
    userId === null || userId === undefined || userId === ''
      ? randomBytes(8)
      : createHash('sha256').update(`user:${userId}`).digest().subarray(0, 8)
  return encodeBase62(bytes, TAG_LENGTH)
}

export function newKeyId(userId: string | null | undefined): string {
  return tagFor(userId) + encodeBase62(randomBytes(6), ID_LENGTH - TAG_LENGTH)
}

export function isKeyId(id: string): boolean {
  return id.length === ID_LENGTH && isBase62(id)
}

/** Mints a fresh token for a key id. The caller shows it once and stores only `hashToken()`. */
export function mintToken(prefix: string, type: TokenType, id: string): string {
  const head = `${prefix}_${type}_${id}${encodeBase62(randomBytes(16), SECRET_LENGTH)}`
  return head + uint32ToBase62(crc32(head))
}

/** Parses and checksums a token; null when it cannot be one of ours (no store call needed). */
export function parseToken(token: string, prefix: string): ParsedToken | null {
  if (token.length > MAX_TOKEN_LENGTH || token.length < BODY_LENGTH + prefix.length + 4) return null
  const body = token.slice(-BODY_LENGTH)
  const head = token.slice(0, -BODY_LENGTH)
  if (!head.startsWith(`${prefix}_`) || !head.endsWith('_')) return null
  const type = head.slice(prefix.length + 1, -1)
  if (type !== 'sk' && type !== 'pat' && type !== 'ct') return null
  if (!isBase62(body)) return null
  const checksum = body.slice(-CHECKSUM_LENGTH)
  if (uint32ToBase62(crc32(token.slice(0, -CHECKSUM_LENGTH))) !== checksum) return null
  const id = body.slice(0, ID_LENGTH)
  return { prefix, type, id, tag: id.slice(0, TAG_LENGTH) }
}

/** Node >= 20.12 has the one-shot `crypto.hash` (no Hash object per call); older Node 20 has not. */
const HAS_ONE_SHOT_HASH = typeof oneShotHash === 'function'

/** What the store keeps instead of the token: SHA-256, base64 (44 chars). */
export function hashToken(token: string): string {
  return HAS_ONE_SHOT_HASH
    ? oneShotHash('sha256', token, 'base64')
    : createHash('sha256').update(token).digest('base64')
}

/** Anything shaped like a keyguard token (`<prefix>_<type>_` + 48 base62 characters). */
export const TOKEN_SHAPE = /[A-Za-z0-9]+_(?:sk|pat|ct)_[0-9A-Za-z]{48}/g
