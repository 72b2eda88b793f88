// Imported keys: a token not in keyguard's format finds its key id and hash tag from its own SHA-256.

import { encodeBase62 } from './base62'
import { hashToken, ID_LENGTH, type ParsedToken, TAG_LENGTH } from './format'

/**
 * First character of every derived id. A native id's tag is 8 random bytes in 12 base62
 * characters, and 2^64 < 62^11, so a native id always starts with `0`: the two never collide.
 */
export const DERIVED_ID_MARKER = 'i'
/** Bytes of the token's SHA-256 in a derived id: 14 (112 bits) fill its 19 base62 characters. */
const DERIVED_BYTES = 14
/** The bounds of a foreign token the guard looks up: 8 to 256 printable ASCII characters. */
export const FOREIGN_TOKEN_MIN = 8
export const FOREIGN_TOKEN_MAX = 256
const PRINTABLE = /^[\x21-\x7e]+$/
/** keyguard's whole token layout under any prefix (anchored TOKEN_SHAPE). */
const KEYGUARD_LAYOUT = /^[A-Za-z0-9]+_(?:sk|pat|ct)_[0-9A-Za-z]{48}$/

/** The key id of an imported key, from the SHA-256 (base64, as `hashToken` gives it) of its token. */
export function derivedKeyId(secretHash: string): string {
  const bytes = Buffer.from(secretHash, 'base64').subarray(0, DERIVED_BYTES)
  return DERIVED_ID_MARKER + encodeBase62(bytes, ID_LENGTH - 1)
}

/** Whether a key id is derived from an imported token's hash (rather than minted at random). */
export const isDerivedKeyId = (id: string): boolean =>
  id.length === ID_LENGTH && id.startsWith(DERIVED_ID_MARKER)

/**
 * Whether a token that `parseToken` refused is a foreign one worth a lookup: 8 to 256 printable
 * ASCII characters, and neither in keyguard's namespace (`<prefix>_…`, a typo of one of ours)
 * nor keyguard's whole layout under another prefix. Those stay refused with no store call.
 */
export function isForeignToken(token: string, prefix: string): boolean {
  return (
    token.length >= FOREIGN_TOKEN_MIN &&
    token.length <= FOREIGN_TOKEN_MAX &&
    PRINTABLE.test(token) &&
    !token.startsWith(`${prefix}_`) &&
    !KEYGUARD_LAYOUT.test(token)
  )
}

/** The parsed form of a foreign token, from its hash: an `sk` key with a derived id (no prefix). */
export function importedToken(secretHash: string): ParsedToken {
  const id = derivedKeyId(secretHash)
  return { prefix: '', type: 'sk', id, tag: id.slice(0, TAG_LENGTH) }
}

/** The derived id of a foreign plaintext token, as the guard will compute it. */
export const derivedIdOfToken = (token: string): string => derivedKeyId(hashToken(token))
