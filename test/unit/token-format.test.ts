// Token format: `<prefix>_<type>_<id><secret><checksum>`, minted and parsed without any store call.

import {
  crc32,
  hashToken,
  isKeyId,
  mintToken,
  newKeyId,
  parseToken,
  TOKEN_SHAPE,
  TOKEN_TYPES,
  tagFor,
  uint32ToBase62,
} from '../../src/token'

const ID = '0K6u1ofLivB4abcdefgh'
/** A token body with a correct checksum, whatever the head: to reach the checks after the checksum. */
const withChecksum = (text: string): string => text + uint32ToBase62(crc32(text))
const SECRET = 'S'.repeat(22)

describe('token format', () => {
  it('mints `<prefix>_<type>_` + 20 id + 22 secret + 6 checksum characters', () => {
    const token = mintToken('kg', 'sk', ID)
    expect(token).toMatch(/^kg_sk_0K6u1ofLivB4abcdefgh[0-9A-Za-z]{28}$/)
    expect(token.slice(-6)).toBe(uint32ToBase62(crc32(token.slice(0, -6))))
    expect(mintToken('kg', 'sk', ID)).not.toBe(token)
  })

  it('parses every token type back to its prefix, type, id and hash tag', () => {
    for (const type of TOKEN_TYPES) {
      expect(parseToken(mintToken('acme', type, ID), 'acme')).toEqual({
        prefix: 'acme',
        type,
        id: ID,
        tag: '0K6u1ofLivB4',
      })
    }
    expect(TOKEN_TYPES).toEqual(['sk', 'pat', 'ct'])
  })

  it('rejects a typo anywhere (the checksum)', () => {
    const token = mintToken('kg', 'pat', ID)
    for (const at of [7, 30, token.length - 1]) {
      const typo = token.slice(0, at) + (token[at] === 'x' ? 'y' : 'x') + token.slice(at + 1)
      expect(parseToken(typo, 'kg')).toBeNull()
    }
  })

  it('rejects another prefix, an unknown type and a missing separator, checksum or not', () => {
    expect(parseToken(mintToken('kg', 'sk', ID), 'kx')).toBeNull()
    expect(parseToken(mintToken('kgx', 'sk', ID), 'kg')).toBeNull()
    expect(parseToken(withChecksum(`kg_xx_${ID}${SECRET}`), 'kg')).toBeNull()
    expect(parseToken(withChecksum(`kg_skX${ID}${SECRET}`), 'kg')).toBeNull()
    expect(parseToken(withChecksum(`kgXsk_${ID}${SECRET}`), 'kg')).toBeNull()
    expect(parseToken(withChecksum(`kg_sk_${ID}${SECRET}`), 'kg')).toMatchObject({ id: ID })
  })

  it('rejects a body that is not base62, even with a correct checksum', () => {
    expect(parseToken(withChecksum(`kg_sk_${ID.slice(0, -1)}-${SECRET}`), 'kg')).toBeNull()
  })

  it('accepts at most 128 characters, and no fewer than the shortest type takes', () => {
    const longest = 'p'.repeat(128 - 52)
    expect(parseToken(mintToken(longest, 'sk', ID), longest)).toMatchObject({ id: ID })
    expect(parseToken(mintToken(`${longest}p`, 'sk', ID), `${longest}p`)).toBeNull()
    // One character short of `kg_sk_` + body: a one-letter type, checksum and all.
    expect(parseToken(withChecksum(`kg_s_${ID}${SECRET}`), 'kg')).toBeNull()
    expect(parseToken('', 'kg')).toBeNull()
  })

  it('derives one hash tag per user, and a random one without a user', () => {
    expect(tagFor('42')).toBe('0K6u1ofLivB4')
    expect(tagFor('43')).not.toBe(tagFor('42'))
    for (const none of [null, undefined, '']) {
      const tag = tagFor(none)
      expect(tag).toMatch(/^[0-9A-Za-z]{12}$/)
      expect(tagFor(none)).not.toBe(tag)
    }
  })

  it("makes key ids of 20 base62 characters that start with the user's tag", () => {
    const id = newKeyId('42')
    expect(id).toMatch(/^0K6u1ofLivB4[0-9A-Za-z]{8}$/)
    expect(newKeyId('42')).not.toBe(id)
    expect(newKeyId(null)).toMatch(/^[0-9A-Za-z]{20}$/)
  })

  it('knows a key id: exactly 20 base62 characters', () => {
    expect(isKeyId(ID)).toBe(true)
    expect(isKeyId(ID.slice(1))).toBe(false)
    expect(isKeyId(`${ID}a`)).toBe(false)
    expect(isKeyId(`${ID.slice(1)}_`)).toBe(false)
  })

  it('hashes a token to SHA-256, base64', () => {
    expect(hashToken('abc')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=')
  })

  it('finds token-shaped text anywhere, of every type', () => {
    const tokens = TOKEN_TYPES.map((type) => mintToken('kg', type, ID))
    expect(`a ${tokens[0]} b ${tokens[1]}/${tokens[2]}`.match(TOKEN_SHAPE)).toEqual(tokens)
    expect(`kg_xx_${ID}${SECRET}123456`.match(TOKEN_SHAPE)).toBeNull()
    expect(`kg_sk_${ID}${SECRET}12345`.match(TOKEN_SHAPE)).toBeNull()
  })
})
