// MemoryStore's memory is bounded: per-user rate entries and quota rings expire and are swept.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, KeyManager, MemoryStore } from '../../src'

const HOUR = 3600000
const DAY = 24 * HOUR

describe('MemoryStore bounded memory', () => {
  it('sweeps expired per-user rate entries, and only expired ones', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z')
    const store = new MemoryStore({ clock: () => now })
    try {
      const keys = new KeyManager(store)
      const plan = await keys.plans.create({
        name: 'Per user',
        rate: { per_second: 1, burst: 2, per_minute: 60 },
        rate_scope: 'user',
      })
      const app = express()
      app.get('/r', apiKeyGuard({ store, requestLog: false }), (_req, res) => res.json({}))
      const tokens: string[] = []
      for (let u = 0; u < 50; u++) {
        const { data } = await keys.create({
          name: 'k',
          user_id: `user-${u}`,
          plan_id: plan.data.id,
        })
        tokens.push(data.api_key)
      }
      for (const token of tokens) {
        expect((await request(app).get('/r').set('X-API-Key', token)).status).toBe(200)
      }
      expect(store.size).toEqual({ keys: 50, userRates: 50, rings: 0 })

      // One request is 1 s of each bucket (1/s, 60/min): full again after 1 s, kept 1 s more.
      now += 1500
      store.sweep()
      expect(store.size.userRates).toBe(50)
      await request(app)
        .get('/r')
        .set('X-API-Key', tokens[0] as string)
      now += 1000
      store.sweep()
      expect(store.size.userRates).toBe(1)
      now += 1000
      store.sweep()
      expect(store.size).toEqual({ keys: 50, userRates: 0, rings: 0 })

      // Forgetting an expired entry changes nothing: the user gets a full burst again.
      const again = await request(app)
        .get('/r')
        .set('X-API-Key', tokens[1] as string)
      expect(again.headers.ratelimit).toContain('"burst";r=1;')
    } finally {
      await store.close()
    }
  })

  it('drops quota rings once the longest window has passed', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z')
    const store = new MemoryStore({ clock: () => now })
    try {
      const keys = new KeyManager(store)
      const app = express()
      app.get('/r', apiKeyGuard({ store, requestLog: false }), (_req, res) => res.json({}))
      const { data } = await keys.create({ name: 'Rolling', quotas: { daily: 100, monthly: 1000 } })
      for (let h = 0; h < 30; h++) {
        now += HOUR
        await request(app).get('/r').set('X-API-Key', data.api_key)
      }
      expect(store.size.rings).toBe(1)
      now += 32 * DAY
      store.sweep()
      expect(store.size.rings).toBe(0)
      // The key itself stays, with its counters rolled over correctly.
      expect(store.size.keys).toBe(1)
      const res = await request(app).get('/r').set('X-API-Key', data.api_key)
      expect(res.headers.ratelimit).toContain('"daily";r=99;')
      expect(res.headers.ratelimit).toContain('"monthly";r=999;')
    } finally {
      await store.close()
    }
  })

  it('sweeps on its own timer too', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z')
    const store = new MemoryStore({ clock: () => now, sweepInterval: 10 })
    try {
      const keys = new KeyManager(store)
      const plan = await keys.plans.create({
        name: 'U',
        rate: { per_second: 5 },
        rate_scope: 'user',
      })
      const { data } = await keys.create({ name: 'k', user_id: 'timer', plan_id: plan.data.id })
      const app = express()
      app.get('/r', apiKeyGuard({ store, requestLog: false }), (_req, res) => res.json({}))
      await request(app).get('/r').set('X-API-Key', data.api_key)
      expect(store.size.userRates).toBe(1)
      now += HOUR
      for (let i = 0; i < 100 && store.size.userRates > 0; i++) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(store.size.userRates).toBe(0)
    } finally {
      await store.close()
    }
  })
})
