// Options validated once, at creation: one message that says what to change, with "did you mean" hints.

import { z } from 'zod'
import { KeyguardConfigError } from '../../src/errors'
import { validateOptions } from '../../src/validation'
import { didYouMean } from '../../src/validation/did-you-mean'

const schema = z.strictObject({
  retries: z.number().int().min(0, 'must be 0 or more').default(3),
  backoff: z.strictObject({ base: z.number().positive('must be positive') }).optional(),
})

const problem = (input: unknown): string => {
  try {
    validateOptions('client', schema, input)
  } catch (error) {
    expect(error).toBeInstanceOf(KeyguardConfigError)
    return (error as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(input)}`)
}

describe('didYouMean', () => {
  const names = ['scopes', 'timeout', 'legacyHeaders', 'prefix']

  it('suggests the closest name, ignoring case', () => {
    expect(didYouMean('scope', names)).toBe('scopes')
    expect(didYouMean('LEGACYHEADERS', names)).toBe('legacyHeaders')
    expect(didYouMean('timeot', names)).toBe('timeout')
    expect(didYouMean('prefx', ['prefix', 'prefixes'])).toBe('prefix')
  })

  it('prefers the first of equally close names', () => {
    expect(didYouMean('ab', ['ax', 'xb'])).toBe('ax')
    expect(didYouMean('ab', ['xb', 'ax'])).toBe('xb')
  })

  it('counts insertions, deletions and substitutions alike', () => {
    expect(didYouMean('abcd', ['abXcd'])).toBe('abXcd')
    expect(didYouMean('abcd', ['acd'])).toBe('acd')
    expect(didYouMean('abcd', ['abXd'])).toBe('abXd')
    expect(didYouMean('abcd', ['bacd'])).toBe('bacd')
    expect(didYouMean('', ['ab'])).toBe('ab')
    expect(didYouMean('ab', [''])).toBe('')
  })

  it('allows two edits, or a third of the name for a longer one, and no more', () => {
    expect(didYouMean('abcdef', ['abcdXY'])).toBe('abcdXY')
    expect(didYouMean('abcdef', ['abcXYZ'])).toBeNull()
    expect(didYouMean('abcdefghi', ['abcdefXYZ'])).toBe('abcdefXYZ')
    expect(didYouMean('abcdefghi', ['abcdeWXYZ'])).toBeNull()
    expect(didYouMean('banana', names)).toBeNull()
    expect(didYouMean('x', [])).toBeNull()
  })
})

describe('validateOptions', () => {
  it('returns the parsed options with their defaults; no options are empty options', () => {
    expect(validateOptions('client', schema, undefined)).toEqual({ retries: 3 })
    expect(validateOptions('client', schema, null)).toEqual({ retries: 3 })
    expect(validateOptions('client', schema, { retries: 0, backoff: { base: 2 } })).toEqual({
      retries: 0,
      backoff: { base: 2 },
    })
  })

  it('names the option and its path, and joins several problems', () => {
    expect(problem({ retries: -1 })).toBe('client: option "retries": must be 0 or more')
    expect(problem({ backoff: { base: 0 } })).toBe(
      'client: option "backoff.base": must be positive',
    )
    expect(problem({ retries: -1, backoff: { base: 0 } })).toBe(
      'client: option "retries": must be 0 or more; option "backoff.base": must be positive',
    )
  })

  it('says "options" when the options themselves are wrong', () => {
    expect(problem(5)).toMatch(/^client: options: \S/)
  })

  it('suggests a known name for an unknown one, or lists the known names', () => {
    expect(problem({ retrys: 1 })).toBe('client: unknown option "retrys"; did you mean "retries"?')
    expect(problem({ zzzzzz: 1 })).toBe('client: unknown option "zzzzzz" (known: retries, backoff)')
    expect(problem({ retrys: 1, backof: {} })).toBe(
      'client: unknown option "retrys"; did you mean "retries"?; unknown option "backof"; did you mean "backoff"?',
    )
  })
})
