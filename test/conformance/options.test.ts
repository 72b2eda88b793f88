// apiKeyGuard options are validated once, at creation, with messages that say what to change.

import { type ApiKeyGuardOptions, apiKeyGuard, KeyguardConfigError } from '../../src'
import { useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe.each(STORE_KINDS)('guard options (%s store)', (kind) => {
  const c = useStore(kind)

  const problem = (options: unknown): KeyguardConfigError => {
    try {
      apiKeyGuard(options as ApiKeyGuardOptions)
    } catch (error) {
      expect(error).toBeInstanceOf(KeyguardConfigError)
      return error as KeyguardConfigError
    }
    throw new Error(`apiKeyGuard accepted ${JSON.stringify(options)}`)
  }

  it('suggests the right name for a misspelled option', () => {
    expect(problem({ store: c.store, scope: ['x'] }).message).toContain('did you mean "scopes"')
    expect(problem({ store: c.store, legacyHeader: true }).message).toContain(
      'did you mean "legacyHeaders"',
    )
    expect(problem({ store: c.store, onStoreErrors: 'fail-open' }).message).toContain(
      'did you mean "onStoreError"',
    )
  })

  it('lists the known options for a name it cannot place', () => {
    const { message } = problem({ store: c.store, banana: 1 })
    expect(message).toContain('unknown option "banana"')
    expect(message).toContain('scopes')
    expect(message).toContain('quotaExceededStatus')
  })

  it.each<[string, unknown, string]>([
    ['cost', -1, 'option "cost"'],
    ['cost', 1.5, 'option "cost"'],
    ['cost', '1', 'option "cost"'],
    ['quotaExceededStatus', 403, 'must be 401 or 429'],
    ['onStoreError', 'open', 'must be "fail-closed" or "fail-open"'],
    ['timeout', 0, 'must be a positive number of ms'],
    ['timeout', -5, 'option "timeout"'],
    ['storeRetryAfter', 0, 'option "storeRetryAfter"'],
    ['legacyHeaders', 'yes', 'option "legacyHeaders"'],
    ['prefix', 'k-g', 'must be letters and digits'],
    ['scopes', 'admin', 'option "scopes"'],
    ['scopes', ['a,b'], 'scopes cannot contain commas or spaces'],
    ['scopes', [''], 'option "scopes.0"'],
  ])('rejects %s = %j with a message naming it', (option, value, expected) => {
    const { message } = problem({ store: c.store, [option]: value })
    expect(message).toMatch(/^apiKeyGuard: /)
    expect(message).toContain(expected)
  })

  it('rejects something that is not a store', () => {
    expect(problem({ store: {} }).message).toContain(
      'must be a Store (new RedisStore(...) or new MemoryStore())',
    )
  })

  it('reports every problem at once', () => {
    const { message } = problem({ store: c.store, timeout: 0, quotaExceededStatus: 500 })
    expect(message).toContain('option "timeout"')
    expect(message).toContain('option "quotaExceededStatus"')
  })

  it('accepts every valid option', () => {
    expect(() =>
      apiKeyGuard({
        store: c.store,
        scopes: ['keys:read', 'admin'],
        cost: (req) => (req.method === 'POST' ? 5 : 1),
        quotaExceededStatus: 429,
        onStoreError: 'fail-open',
        timeout: 250,
        storeRetryAfter: 3,
        legacyHeaders: true,
        prefix: 'acme',
      }),
    ).not.toThrow()
    expect(typeof apiKeyGuard({ store: c.store, cost: 0 })).toBe('function')
  })
})
