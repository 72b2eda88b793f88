// Imported keys' ids: derived from the token's SHA-256, never equal to a native id, valid key ids.

import {
  DERIVED_ID_MARKER,
  derivedIdOfToken,
  derivedKeyId,
  hashToken,
  ID_LENGTH,
  importedToken,
  isDerivedKeyId,
  isForeignToken,
  isKeyId,
  mintToken,
  newKeyId,
  TAG_LENGTH,
} from '../../src/token'

describe('derived key ids (imported keys)', () => {
  it('native ids always start with 0 (8 random bytes in 12 base62 digits), derived ones with the marker', () => {
    expect(DERIVED_ID_MARKER).not.toBe('0')
    for (let i = 0; i < 2000; i++) {
      const id = newKeyId(i % 2 === 0 ? null : `user-${i}`)
      expect(id[0]).toBe('0')
      expect(isDerivedKeyId(id)).toBe(false)
    }
    // The largest tag a native id can have: 2^64 - 1 still starts with 0.
    const max = derivedKeyId(Buffer.alloc(32, 0xff).toString('base64'))
    expect(max[0]).toBe(DERIVED_ID_MARKER)
  })

  it('is a valid key id of ID_LENGTH base62 characters, the same for the same token, another for another', () => {
    const a = derivedIdOfToken('sk_live_51Habc123')
    expect(a).toHaveLength(ID_LENGTH)
    expect(isKeyId(a)).toBe(true)
    expect(isDerivedKeyId(a)).toBe(true)
    expect(derivedIdOfToken('sk_live_51Habc123')).toBe(a)
    expect(derivedIdOfToken('sk_live_51Habc124')).not.toBe(a)
    expect(derivedKeyId(hashToken('sk_live_51Habc123'))).toBe(a)
  })

  it('gives the guard the id, its hash tag and the sk type', () => {
    const hash = hashToken('unkey_3ZZ9abcdefgh')
    const parsed = importedToken(hash)
    expect(parsed).toEqual({
      prefix: '',
      type: 'sk',
      id: derivedKeyId(hash),
      tag: derivedKeyId(hash).slice(0, TAG_LENGTH),
    })
  })

  it('looks up foreign tokens only: 8 to 256 printable ASCII characters, not keyguard-shaped', () => {
    expect(isForeignToken('sk_live_51Habc123', 'kg')).toBe(true)
    expect(isForeignToken('lim_9f8e7d6c5b4a', 'kg')).toBe(true)
    expect(isForeignToken('a'.repeat(8), 'kg')).toBe(true)
    expect(isForeignToken('a'.repeat(256), 'kg')).toBe(true)
    expect(isForeignToken('a'.repeat(7), 'kg')).toBe(false)
    expect(isForeignToken('a'.repeat(257), 'kg')).toBe(false)
    expect(isForeignToken('with space', 'kg')).toBe(false)
    expect(isForeignToken('clé-secrète', 'kg')).toBe(false)
    // keyguard's own namespace: a typo of one of ours stays refused unread.
    expect(isForeignToken('kg_sk_tooShort', 'kg')).toBe(false)
    expect(isForeignToken('kg_anything_else', 'kg')).toBe(false)
    // keyguard's whole layout under another prefix: refused unread too.
    expect(isForeignToken(mintToken('zz', 'sk', newKeyId(null)), 'kg')).toBe(false)
    // …but under this guard's own prefix, another deployment's prefix is foreign to none.
    expect(isForeignToken('acme_sk_short', 'kg')).toBe(true)
  })
})
