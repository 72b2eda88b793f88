// Base62 encoding for token parts: URL-safe, double-click selectable, no separators.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export const isBase62 = (s: string): boolean => /^[0-9A-Za-z]*$/.test(s)

/** Encodes bytes as exactly `length` base62 characters (big-endian, left-padded). */
export function encodeBase62(bytes: Uint8Array, length: number): string {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  let out = ''
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(n % 62n)] + out
    n /= 62n
  }
  return out
}

/** Encodes a non-negative integer below 2^32 as exactly 6 base62 characters. */
export function uint32ToBase62(value: number): string {
  let n = value >>> 0
  let out = ''
  for (let i = 0; i < 6; i++) {
    out = ALPHABET[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}
