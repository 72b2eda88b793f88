// Scope matching: exact, `*`, or a `prefix:*` wildcard at any colon.

import { grantsScope } from '../../src/token'

describe('grantsScope', () => {
  it('grants an exact scope and everything to `*`', () => {
    expect(grantsScope(['read'], 'read')).toBe(true)
    expect(grantsScope(['*'], 'billing:write')).toBe(true)
    expect(grantsScope([], 'read')).toBe(false)
    expect(grantsScope(['read'], 'write')).toBe(false)
  })

  it('grants by a `prefix:*` wildcard at every colon of the scope asked for', () => {
    expect(grantsScope(['billing:*'], 'billing:read')).toBe(true)
    expect(grantsScope(['billing:*'], 'billing:invoices:read')).toBe(true)
    expect(grantsScope(['billing:invoices:*'], 'billing:invoices:read')).toBe(true)
    expect(grantsScope(['x', 'billing:invoices:*'], 'billing:invoices:read')).toBe(true)
  })

  it('grants nothing by a wildcard of another prefix or without its colon', () => {
    expect(grantsScope(['billing:invoices:*'], 'billing:read')).toBe(false)
    expect(grantsScope(['billing:*'], 'billing')).toBe(false)
    expect(grantsScope(['bill*'], 'billing:read')).toBe(false)
    expect(grantsScope(['billing*'], 'billing:read')).toBe(false)
    expect(grantsScope([':*'], 'billing:read')).toBe(false)
    expect(grantsScope(['b*'], 'billing:read')).toBe(false)
    expect(grantsScope(['b*'], 'billing')).toBe(false)
  })

  it('grants a scope that starts with a colon by `:*`, as the verification script does', () => {
    expect(grantsScope([':*'], ':read')).toBe(true)
  })
})
