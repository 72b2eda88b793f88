// Guard options: every default, every accepted form, and the exact message for each bad value.

import { KeyguardConfigError } from '../../src/errors'
import { type GuardOptions, resolveGuardOptions } from '../../src/guard/options'

const problem = (options: unknown, what?: string): string => {
  try {
    resolveGuardOptions(options as GuardOptions<unknown>, what)
  } catch (error) {
    expect(error).toBeInstanceOf(KeyguardConfigError)
    return (error as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

const DEFAULTS = {
  scopes: [],
  cost: 1,
  quotaExceededStatus: 401,
  onStoreError: 'fail-closed',
  timeout: 500,
  ipBlock: {},
  tokenTypes: ['sk', 'pat', 'ct'],
  storeRetryAfter: 1,
  legacyHeaders: false,
  importedKeys: true,
  prefix: 'kg',
  requestLog: true,
}

describe('guard options', () => {
  it('fills in every default, with or without an options object', () => {
    expect(resolveGuardOptions(undefined)).toMatchObject(DEFAULTS)
    expect(resolveGuardOptions({})).toMatchObject(DEFAULTS)
    expect(resolveGuardOptions({}).store).toBeUndefined()
  })

  it('accepts every documented form, as given', () => {
    const cost = (): number => 2
    const fn = (): null => null
    const store = { verify: fn }
    const options = {
      store,
      scopes: ['read', 'billing:*'],
      cost,
      quotaExceededStatus: 429,
      onStoreError: 'fail-open',
      timeout: 1,
      ipBlock: { failures: 1, window: 1, block: 1, recheck: 1 },
      tokenTypes: ['ct'],
      skip: fn,
      getToken: fn,
      handler: fn,
      onVerdict: fn,
      logger: console,
      storeRetryAfter: 1,
      legacyHeaders: true,
      importedKeys: false,
      prefix: 'Acme9',
      requestLog: { batchSize: 10_000, flushIntervalMs: 3_600_000 },
    } as const
    expect(resolveGuardOptions(options as unknown as GuardOptions<unknown>)).toEqual(options)
    expect(resolveGuardOptions({ cost: 0, ipBlock: false, requestLog: false })).toMatchObject({
      cost: 0,
      ipBlock: false,
      requestLog: false,
    })
    expect(
      resolveGuardOptions({ onStoreError: 'fail-closed', tokenTypes: ['sk', 'pat'] }),
    ).toMatchObject({ onStoreError: 'fail-closed', tokenTypes: ['sk', 'pat'] })
    expect(resolveGuardOptions({ requestLog: { batchSize: 1, flushIntervalMs: 1 } })).toMatchObject(
      { requestLog: { batchSize: 1, flushIntervalMs: 1 } },
    )
  })

  it.each<[string, unknown, string]>([
    ['cost', -1, 'option "cost": must be 0 or more'],
    [
      'cost',
      1.5,
      'option "cost": must be a whole number of credits >= 0, or a function req => number',
    ],
    ['quotaExceededStatus', 403, 'option "quotaExceededStatus": must be 401 or 429'],
    ['onStoreError', 'open', 'option "onStoreError": must be "fail-closed" or "fail-open"'],
    ['timeout', 0, 'option "timeout": must be a positive number of ms'],
    ['tokenTypes', [], 'option "tokenTypes": name at least one token type'],
    ['tokenTypes', ['xx'], 'option "tokenTypes.0": token types are "sk", "pat" and "ct"'],
    ['storeRetryAfter', 0, 'option "storeRetryAfter": must be 1 second or more'],
    ['storeRetryAfter', 1.5, 'option "storeRetryAfter": must be a whole number of seconds'],
    ['prefix', 'k-g', 'option "prefix": must be letters and digits, like "kg"'],
    ['prefix', '', 'option "prefix": must be letters and digits, like "kg"'],
    ['scopes', ['a,b'], 'option "scopes.0": scopes cannot contain commas or spaces'],
    ['scopes', ['a b'], 'option "scopes.0": scopes cannot contain commas or spaces'],
    ['ipBlock', { failures: 0 }, 'option "ipBlock.failures": must be 1 or more'],
    ['ipBlock', { window: 0 }, 'option "ipBlock.window": must be 1 second or more'],
    ['ipBlock', { block: 0 }, 'option "ipBlock.block": must be 1 second or more'],
    ['ipBlock', { recheck: 0 }, 'option "ipBlock.recheck": must be 1 second or more'],
    ['requestLog', { batchSize: 0 }, 'option "requestLog.batchSize": must be 1 or more'],
    [
      'ipBlock',
      { failures: 1.5 },
      'option "ipBlock.failures": must be a whole number of failed authentications',
    ],
    [
      'ipBlock',
      true,
      'option "ipBlock": must be false, or an object { failures?, window?, block?, recheck? }',
    ],
    [
      'ipBlock',
      { failurs: 3 },
      'unknown option "ipBlock.failurs"; did you mean "ipBlock.failures"?',
    ],
    [
      'ipBlock',
      { zzzzzz: 3 },
      'unknown option "ipBlock.zzzzzz" (known: failures, window, block, recheck)',
    ],
    [
      'requestLog',
      { batchsize: 3 },
      'unknown option "requestLog.batchsize"; did you mean "requestLog.batchSize"?',
    ],
    [
      'requestLog',
      'yes',
      'option "requestLog": must be true, false, or an object { batchSize?, flushIntervalMs? }',
    ],
    [
      'requestLog',
      { flushIntervalMs: 0 },
      'option "requestLog.flushIntervalMs": must be 1 ms or more',
    ],
    ['skip', 1, 'option "skip": skip must be a function req => boolean'],
    ['getToken', 1, 'option "getToken": getToken must be a function req => string | null'],
    [
      'handler',
      1,
      'option "handler": handler must be a function (req, res, next, refusal) => void',
    ],
    ['onVerdict', 1, 'option "onVerdict": onVerdict must be a function event => void'],
    [
      'logger',
      { error() {} },
      'option "logger": must be a logger with error() and warn() (pino, or console)',
    ],
    ['store', {}, 'option "store": must be a Store (new RedisStore(...) or new MemoryStore())'],
    ['store', null, 'option "store": must be a Store (new RedisStore(...) or new MemoryStore())'],
    [
      'store',
      { verify: 1 },
      'option "store": must be a Store (new RedisStore(...) or new MemoryStore())',
    ],
    [
      'store',
      Object.assign(() => null, { verify: () => null }),
      'option "store": must be a Store (new RedisStore(...) or new MemoryStore())',
    ],
  ])('rejects %s = %j, saying what to change', (option, value, expected) => {
    expect(problem({ [option]: value })).toBe(`apiKeyGuard: ${expected}`)
  })

  it.each<[string, unknown]>([
    ['cost', '1'],
    ['timeout', 1.5],
    ['legacyHeaders', 'yes'],
    ['scopes', 'read'],
    ['scopes', ['']],
    ['ipBlock', true],
    ['requestLog', 'yes'],
    ['requestLog', { batchSize: 10_001 }],
    ['requestLog', { flushIntervalMs: 3_600_001 }],
  ])('rejects %s = %j, naming the option', (option, value) => {
    expect(problem({ [option]: value })).toMatch(new RegExp(`^apiKeyGuard: option "${option}[".]`))
  })

  it('names the guard the options are for', () => {
    expect(problem({ timeout: 0 }, 'keyguardFastify')).toBe(
      'keyguardFastify: option "timeout": must be a positive number of ms',
    )
  })

  it('suggests the option meant by a misspelled name', () => {
    expect(problem({ scope: [], legacyHeader: true })).toBe(
      'apiKeyGuard: unknown option "scope"; did you mean "scopes"?; unknown option "legacyHeader"; did you mean "legacyHeaders"?',
    )
  })
})
