// The admin API (and POST /tokens) never fails open: a store outage refuses everyone, even with a guard option.

import express from 'express'
import request from 'supertest'
import { adminRouter, KeyguardConfigError, MemoryStore } from '../../src'
import { mintToken } from '../../src/token'
import { failingVerify } from '../harness/faulty-store'
import { useStore } from '../harness/guard'
import { STORE_KINDS } from '../harness/stores'

describe('adminRouter options', () => {
  it('refuses guard.onStoreError "fail-open", saying what to change', () => {
    expect(() => adminRouter({ guard: { onStoreError: 'fail-open' } })).toThrow(KeyguardConfigError)
    expect(() => adminRouter({ guard: { onStoreError: 'fail-open' } })).toThrow(
      /guard.*fails closed.*fail-open/,
    )
    const store = new MemoryStore()
    expect(() => adminRouter({ store, guard: { onStoreError: 'fail-closed' } })).not.toThrow()
  })
})

describe.each(STORE_KINDS)('admin API during a store outage (%s store)', (kind) => {
  const c = useStore(kind)

  it('every route, POST /tokens included, answers 503 and runs nothing', async () => {
    const { data: admin } = await c.keys.create({ name: 'Admin', type: 'pat', scopes: ['admin'] })
    const { data: target } = await c.keys.create({ name: 'Target' })
    const app = express().use('/admin', adminRouter({ store: failingVerify(c.store) }))
    const minted = jest.spyOn(c.store, 'saveClientToken')
    const before = (await c.keys.list({ limit: 100 })).count
    const forged = mintToken('kg', 'sk', target.id)
    for (const token of [admin.api_key, forged]) {
      for (const [method, path, body] of [
        ['post', '/admin/tokens', { key_id: target.id }],
        ['get', '/admin/keys', undefined],
        ['post', '/admin/keys', { name: 'Planted', scopes: ['admin'] }],
        ['put', `/admin/keys/${target.id}`, { scopes: ['admin'] }],
        ['post', `/admin/keys/${target.id}/regenerate`, {}],
      ] as const) {
        let test = request(app)[method](path).set('Authorization', `Bearer ${token}`)
        if (body !== undefined) test = test.send(body)
        const res = await test
        expect([method, path, res.status]).toEqual([method, path, 503])
        expect(res.body).toEqual({
          error: 'Service temporarily unavailable',
          code: 'STORE_UNAVAILABLE',
        })
      }
    }
    expect(minted).not.toHaveBeenCalled()
    minted.mockRestore()
    expect((await c.keys.list({ limit: 100 })).count).toBe(before)
    expect((await c.keys.get(target.id)).data.scopes).toEqual([])
  })
})
