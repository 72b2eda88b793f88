// `keyguard plans` with Limitly's fields and the yearly quota, through the real bin.

import { useCli } from './run'

describe('keyguard plans, Limitly fields', () => {
  const c = useCli()

  it('creates a plan with --max-requests per --request-period, and updates it', async () => {
    const created = await c.json(
      'plans',
      'create',
      '--id',
      'yearly-cli',
      '--name',
      'Yearly',
      '--description',
      'Per year',
      '--max-requests',
      '5000',
      '--request-period',
      'year',
    )
    expect(created.data).toMatchObject({
      quotas: { yearly: 5000 },
      description: 'Per year',
      max_requests: 5000,
      request_period: 'year',
      is_active: true,
      owner_id: null,
    })
    const updated = await c.json(
      'plans',
      'update',
      'yearly-cli',
      '--is-active',
      'false',
      '--yearly',
      '6000',
    )
    expect(updated.data).toMatchObject({
      is_active: false,
      max_requests: 6000,
      quotas: { yearly: 6000 },
    })
    const shown = await c.kg('plans', 'get', 'yearly-cli')
    expect(shown.stdout).toMatch(/request_period\s+year/)
    const bad = await c.kg('plans', 'create', '--name', 'Bad', '--request-period', 'hour')
    expect(bad.code).toBe(2)
    const missing = await c.kg('plans', 'create', '--name', 'Bad', '--max-requests', '5')
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/--request-period: is required with max_requests/)
  })
})
