// Every call of Limitly's official SDKs (the SDK surface reference), in order, against adminRouter on both stores: only baseUrl changes.

import type { Server } from 'node:http'
import express from 'express'
import { adminRouter, flushRequestLogs } from '../../src'
import { STORE_KINDS, useStoreOf } from '../harness/stores'
import { LimitlyError, LimitlySdk } from './sdk-client'

const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT/)

/** The SDK's call, expected to fail: its LimitlyError. */
async function failure(call: Promise<unknown>): Promise<LimitlyError> {
  try {
    await call
  } catch (error) {
    if (error instanceof LimitlyError) return error
    throw error
  }
  throw new Error('the call succeeded')
}

describe.each(STORE_KINDS)("Limitly's SDK calls against adminRouter (%s store)", (kind) => {
  const open = useStoreOf(kind)
  let server: Server
  let sdk: LimitlySdk
  beforeAll(async () => {
    const admin = await open.keys.create({ name: 'Account token', scopes: ['admin'] })
    const app = express().use('/functions/v1', adminRouter({ store: open.store }))
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as { port: number }
    sdk = new LimitlySdk({
      apiKey: admin.data.api_key,
      baseUrl: `http://127.0.0.1:${port}/functions/v1`,
    })
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('walks plans, users, keys, validation and usage as the SDK does', async () => {
    // plans.create / list / get / update, with Limitly's fields.
    const created = await sdk.plans.create({
      name: 'Pro',
      description: 'For teams',
      max_requests: 4,
      request_period: 'month',
      is_active: true,
    })
    const plan = created.data
    expect(plan).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: 'Pro',
        description: 'For teams',
        max_requests: 4,
        request_period: 'month',
        is_active: true,
        created_at: iso,
        updated_at: iso,
      }),
    )
    expect(plan).toHaveProperty('owner_id')
    expect((await sdk.plans.get(plan.id)).data.max_requests).toBe(4)
    const updated = await sdk.plans.update(plan.id, { max_requests: 5, description: 'Teams' })
    expect(updated.data).toEqual(
      expect.objectContaining({ max_requests: 5, request_period: 'month', description: 'Teams' }),
    )
    const yearly = await sdk.plans.create({
      name: 'Yearly',
      max_requests: 2,
      request_period: 'year',
    })
    expect(yearly.data).toEqual(
      expect.objectContaining({ max_requests: 2, request_period: 'year', is_active: true }),
    )
    const plans = await sdk.plans.list()
    expect(plans.data.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining([plan.id, yearly.data.id]),
    )

    // users.create / list / get, on the plan.
    const user = (
      await sdk.users.create({ name: 'Ada', email: 'ada@example.com', plan_id: plan.id })
    ).data
    expect(user).toEqual(
      expect.objectContaining({
        user_id: expect.any(Number),
        name: 'Ada',
        email: 'ada@example.com',
        is_disabled: false,
        created_at: iso,
        updated_at: iso,
      }),
    )
    expect(user.plan).toEqual(expect.objectContaining({ id: plan.id, name: 'Pro' }))
    expect((await sdk.users.get(user.user_id)).data.name).toBe('Ada')
    expect((await sdk.users.list()).data.map((u: { user_id: number }) => u.user_id)).toContain(
      user.user_id,
    )

    // users.createKey / getKeys: the user's key takes the user's plan.
    const userKey = (await sdk.users.createKey(user.user_id, { name: 'Ada key' })).data
    expect(userKey).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: 'Ada key',
        api_key: expect.any(String),
        status: 'active',
        user_id: user.user_id,
        created_at: iso,
      }),
    )
    const userKeys = await sdk.users.getKeys(user.user_id)
    expect(userKeys.data.map((k: { id: string }) => k.id)).toEqual([userKey.id])
    expect(JSON.stringify(userKeys)).not.toContain(userKey.api_key)

    // apiKeys.create / list / get, with Limitly's body.
    const direct = (
      await sdk.apiKeys.create({
        name: 'Direct',
        user_id: user.user_id,
        plan_id: plan.id,
        status: 'active',
      })
    ).data
    expect(direct).toEqual(
      expect.objectContaining({
        name: 'Direct',
        api_key: expect.any(String),
        status: 'active',
        user_id: user.user_id,
        plan_id: plan.id,
      }),
    )
    const list = await sdk.apiKeys.list()
    expect(list.count).toEqual(expect.any(Number))
    expect(list.data.map((k: { id: string }) => k.id)).toEqual(
      expect.arrayContaining([userKey.id, direct.id]),
    )
    expect((await sdk.apiKeys.get(direct.id)).data.name).toBe('Direct')

    // validation.validate: a request like any other; the fifth of five passes, the sixth fails.
    for (let i = 1; i <= 5; i++) {
      const ok = await sdk.validation.validate(userKey.api_key, '/v1/things', 'GET')
      expect(ok).toEqual({
        success: true,
        details: expect.objectContaining({
          current_usage: i,
          limit: 5,
          plan_name: 'Pro',
          period_start: iso,
          period_end: iso,
        }),
      })
    }
    const over = await failure(sdk.validation.validate(userKey.api_key, '/v1/things', 'GET'))
    expect(over.statusCode).toBe(401)
    expect(over.response).toEqual(expect.objectContaining({ success: false, error: over.message }))
    expect(over.message).toMatch(/quota/i)

    // apiKeys.getUsage / getRequests: the SDK's camelCase fields.
    await flushRequestLogs(open.store)
    const usage = (await sdk.apiKeys.getUsage(userKey.id)).data
    expect(usage).toEqual(
      expect.objectContaining({
        apiKeyId: userKey.id,
        apiKeyName: 'Ada key',
        created_at: iso,
        periodStart: iso,
        periodEnd: iso,
        requestsInPeriod: 5,
        percentageUsed: 100,
        limit: 5,
        planName: 'Pro',
        isUnlimited: false,
      }),
    )
    expect(usage.totalRequests).toBeGreaterThanOrEqual(5)
    const requests = (await sdk.apiKeys.getRequests(userKey.id)).data
    expect(requests).toEqual(
      expect.objectContaining({ apiKeyId: userKey.id, apiKeyName: 'Ada key', requestsInPeriod: 5 }),
    )
    expect(requests.requestsInPeriodDetails.length).toBeGreaterThanOrEqual(5)
    expect(requests.requestsInPeriodDetails[0]).toEqual(
      expect.objectContaining({
        api_key_id: userKey.id,
        created_at: iso,
        endpoint: '/v1/things',
        method: 'GET',
        status_code: expect.any(Number),
        response_time_ms: expect.any(Number),
      }),
    )

    // plans.getUsage / getUsers / getKeys.
    const planUsage = (await sdk.plans.getUsage(plan.id)).data
    expect(planUsage).toEqual(
      expect.objectContaining({
        plan_id: plan.id,
        plan_name: 'Pro',
        max_requests: 5,
        request_period: 'month',
        users_count: 1,
        is_unlimited: false,
      }),
    )
    expect(planUsage.total_requests).toBeGreaterThanOrEqual(5)
    expect(planUsage.api_keys_count).toBeGreaterThanOrEqual(1)
    expect(typeof planUsage.percentage_used).toBe('number')
    const planUsers = (await sdk.plans.getUsers(plan.id)).data
    expect(planUsers.plan.id).toBe(plan.id)
    expect(planUsers.users.map((u: { user_id: number }) => u.user_id)).toEqual([user.user_id])
    const planKeys = (await sdk.plans.getKeys(plan.id)).data
    expect(planKeys.plan.id).toBe(plan.id)
    expect(planKeys.api_keys.map((k: { id: string }) => k.id)).toContain(direct.id)

    // users.getUsage.
    const userUsage = (await sdk.users.getUsage(user.user_id)).data
    expect(userUsage).toEqual(
      expect.objectContaining({ type: 'user', user_name: 'Ada', plan_name: 'Pro' }),
    )

    // users.update: a disabled user's keys stop on the very next request, and start again.
    expect((await sdk.users.update(user.user_id, { is_disabled: true })).data.is_disabled).toBe(
      true,
    )
    const disabled = await failure(sdk.validation.validate(direct.api_key, '/v1/things', 'GET'))
    expect(disabled.statusCode).toBe(401)
    expect(disabled.response).toEqual(expect.objectContaining({ success: false }))
    expect((await sdk.users.update(user.user_id, { is_disabled: false })).data.is_disabled).toBe(
      false,
    )
    expect((await sdk.validation.validate(direct.api_key, '/v1/things', 'GET')).success).toBe(true)

    // apiKeys.update / regenerate / delete.
    const renamed = await sdk.apiKeys.update(direct.id, {
      name: 'Renamed',
      status: 'inactive',
      user_id: user.user_id,
    })
    expect(renamed.data).toEqual(expect.objectContaining({ name: 'Renamed', status: 'inactive' }))
    const regenerated = (await sdk.apiKeys.regenerate(direct.id)).data
    expect(regenerated.api_key).toEqual(expect.any(String))
    expect(regenerated.api_key).not.toBe(direct.api_key)
    const unused = (await sdk.apiKeys.create({ name: 'Unused' })).data
    expect((await sdk.apiKeys.delete(unused.id)).data.message).toEqual(expect.any(String))
    const inUse = await failure(sdk.apiKeys.delete(userKey.id))
    expect(inUse.statusCode).toBe(409)
    expect(inUse.response.code).toBe('KEY_IN_USE')

    // Errors reach the SDK as LimitlyError with the body's message.
    const missing = await failure(sdk.apiKeys.get('key_123'))
    expect(missing.statusCode).toBe(404)
    expect(missing.message).toEqual(expect.any(String))
    const badPeriod = await failure(
      sdk.plans.create({ name: 'Bad', max_requests: 5, request_period: 'fortnight' }),
    )
    expect(badPeriod.statusCode).toBe(400)
    expect(badPeriod.response.code).toBe('VALIDATION_ERROR')

    // plans.delete and users.delete of unused ones.
    expect((await sdk.plans.delete(yearly.data.id)).data.message).toEqual(expect.any(String))
    const loner = (await sdk.users.create({ name: 'Loner' })).data
    expect((await sdk.users.delete(loner.user_id)).data.message).toEqual(expect.any(String))
    expect((await failure(sdk.users.get(loner.user_id))).statusCode).toBe(404)
  })
})
