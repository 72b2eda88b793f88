// Effective limits: the plan's, overridden field by field by the key's own; 0 is a limit, not "unset".

import { effectiveLimits } from '../../src/limits'
import type { Plan } from '../../src/types'

const plan: Plan = {
  id: 'pro',
  name: 'Pro',
  rate: { per_second: 10, burst: 20, per_minute: 300 },
  quotas: { daily: 1000, weekly: 5000, monthly: 20000 },
  quota_window: 'calendar',
  rate_scope: 'user',
  description: null,
  max_requests: 20000,
  request_period: 'month',
  is_active: true,
  owner_id: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
}

describe('effectiveLimits', () => {
  it("takes every limit from the plan when the key sets none, and the key's total", () => {
    expect(effectiveLimits({ rate: {}, quotas: { total: 50 } }, plan)).toEqual({
      per_second: 10,
      burst: 20,
      per_minute: 300,
      total: 50,
      daily: 1000,
      weekly: 5000,
      monthly: 20000,
      yearly: null,
      quota_window: 'calendar',
      rate_scope: 'user',
    })
  })

  it("lets each of the key's own limits win, 0 included", () => {
    const own = {
      rate: { per_second: 1, burst: 0, per_minute: 2 },
      quotas: { total: 0, daily: 3, weekly: 0, monthly: 4 },
    }
    expect(effectiveLimits(own, plan)).toEqual({
      per_second: 1,
      burst: 0,
      per_minute: 2,
      total: 0,
      daily: 3,
      weekly: 0,
      monthly: 4,
      yearly: null,
      quota_window: 'calendar',
      rate_scope: 'user',
    })
  })

  it('falls back to the plan for a null own limit, and to null without either', () => {
    const nulls = {
      rate: { per_second: null, burst: null, per_minute: null },
      quotas: { total: null, daily: null, weekly: null, monthly: null },
    }
    expect(effectiveLimits(nulls, plan)).toMatchObject({ per_second: 10, daily: 1000, total: null })
    expect(effectiveLimits(nulls, null)).toEqual({
      per_second: null,
      burst: null,
      per_minute: null,
      total: null,
      daily: null,
      weekly: null,
      monthly: null,
      yearly: null,
      quota_window: 'rolling',
      rate_scope: 'key',
    })
  })

  it("uses the key's limits alone, rolling and per key, without a plan", () => {
    const own = { rate: { per_second: 5, burst: 6, per_minute: 7 }, quotas: { monthly: 8 } }
    expect(effectiveLimits(own, null)).toEqual({
      per_second: 5,
      burst: 6,
      per_minute: 7,
      total: null,
      daily: null,
      weekly: null,
      monthly: 8,
      yearly: null,
      quota_window: 'rolling',
      rate_scope: 'key',
    })
  })

  it("takes a yearly quota from the plan, and the key's own over it", () => {
    const yearly = { ...plan, quotas: { ...plan.quotas, yearly: 100000 } }
    expect(effectiveLimits({ rate: {}, quotas: {} }, yearly).yearly).toBe(100000)
    expect(effectiveLimits({ rate: {}, quotas: { yearly: 7 } }, yearly).yearly).toBe(7)
    expect(effectiveLimits({ rate: {}, quotas: { yearly: 7 } }, null).yearly).toBe(7)
  })
})
