// The token's encodings: base62 (fixed length, big-endian) and its CRC-32 checksum, against known values.

import { crc32, encodeBase62, isBase62, uint32ToBase62 } from '../../src/token'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('base62', () => {
  it('encodes bytes big-endian, left-padded with zeros to the length asked for', () => {
    expect(encodeBase62(bytes(0), 3)).toBe('000')
    expect(encodeBase62(bytes(61), 3)).toBe('00z')
    expect(encodeBase62(bytes(62), 3)).toBe('010')
    expect(encodeBase62(bytes(1, 2), 2)).toBe('4A')
    expect(encodeBase62(bytes(255, 255), 3)).toBe('H31')
  })

  it('keeps only the lowest digits when the number needs more than the length', () => {
    expect(encodeBase62(bytes(255, 255), 1)).toBe('1')
    expect(encodeBase62(bytes(255, 255), 0)).toBe('')
  })

  it('encodes a 32-bit number as exactly six characters', () => {
    expect(uint32ToBase62(0)).toBe('000000')
    expect(uint32ToBase62(61)).toBe('00000z')
    expect(uint32ToBase62(62)).toBe('000010')
    expect(uint32ToBase62(0xffffffff)).toBe('4gfFC3')
  })

  it('reads a number as unsigned 32-bit, as a checksum is', () => {
    expect(uint32ToBase62(-1)).toBe('4gfFC3')
    expect(uint32ToBase62(2 ** 32 + 62)).toBe('000010')
  })

  it('recognizes base62 text: letters and digits only', () => {
    expect(isBase62('')).toBe(true)
    expect(isBase62('09AZaz')).toBe(true)
    expect(isBase62('a_b')).toBe(false)
    expect(isBase62('a-b')).toBe(false)
    expect(isBase62('ab ')).toBe(false)
    expect(isBase62('é')).toBe(false)
  })
})

describe('crc32', () => {
  it('matches the IEEE CRC-32 check values', () => {
    expect(crc32('')).toBe(0)
    expect(crc32('a')).toBe(0xe8b7be43)
    expect(crc32('123456789')).toBe(0xcbf43926)
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339)
  })

  it('is an unsigned 32-bit number', () => {
    const value = crc32('kg_sk_')
    expect(Number.isInteger(value)).toBe(true)
    expect(value).toBeGreaterThanOrEqual(0)
    expect(value).toBeLessThan(2 ** 32)
  })
})
