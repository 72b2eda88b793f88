// ensureAdminKey: creates an admin key only when no usable one exists, and returns it once.

import express from 'express'
import { adminRouter, ensureAdminKey, KeyManager, MemoryStore } from '../../src'
import { call } from '../harness/admin'
import { TestClock } from '../harness/stores'

describe('ensureAdminKey', () => {
  it('creates a pat with the admin scope on an empty store, then never again', async () => {
    const store = new MemoryStore()
    const keys = new KeyManager(store)
    await keys.create({ name: 'Someone else', scopes: ['read'] })
    const first = await ensureAdminKey(keys)
    expect(first).not.toBeNull()
    expect(first?.api_key).toMatch(/^kg_pat_/)
    expect(first).toMatchObject({ name: 'admin', type: 'pat', scopes: ['admin'], status: 'active' })
    expect(await ensureAdminKey(keys)).toBeNull()
    expect((await keys.list()).count).toBe(2)
    // The key it printed opens the admin API.
    const app = express().use(adminRouter({ store }))
    expect((await call(app, 'get', '/keys', first?.api_key ?? '')).status).toBe(200)
    await store.close()
  })

  it('counts only usable admin keys: active, unexpired, with "admin" or "*"', async () => {
    const clock = new TestClock()
    const store = new MemoryStore({ clock: clock.now })
    const keys = new KeyManager(store)
    await keys.create({ name: 'off', scopes: ['admin'], status: 'inactive' })
    // Expires as the test clock moves on (a past expiry is refused when written).
    await keys.create({
      name: 'old',
      scopes: ['admin'],
      expires_at: new Date(clock.ms + 1000).toISOString(),
    })
    clock.advance(1000)
    await keys.create({ name: 'near', scopes: ['admin:read'] })
    expect(await ensureAdminKey(keys)).not.toBeNull()

    const star = new MemoryStore()
    const starKeys = new KeyManager(star)
    await starKeys.create({ name: 'root', scopes: ['*'] })
    expect(await ensureAdminKey(starKeys)).toBeNull()
    await store.close()
    await star.close()
  })
})
