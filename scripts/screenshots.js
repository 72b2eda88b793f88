// The dashboard's screenshots in docs/img/: a demo app on a MemoryStore with a week of simulated
// traffic (its clock moved hour by hour), driven in headless Chromium. `npm run docs:screenshots`
// builds first; needs Debian's chromium at /usr/bin/chromium (or CHROMIUM=<path>).

const { mkdirSync } = require('node:fs')
const { join } = require('node:path')
const express = require('express')
const { chromium } = require('playwright-core')
const { adminRouter, apiKeyGuard, flushRequestLogs, KeyManager, MemoryStore } = require('../dist')

const OUT = join(__dirname, '..', 'docs', 'img')
const HOUR = 3_600_000
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/**
 * The clock: simulated while the traffic is made, then the real time. The store reads it, and so
 * does the guard (its request log stamps entries with Date.now()), so this script, and only this
 * script, replaces Date.now.
 */
let simulated = null
const realNow = Date.now
Date.now = () => simulated ?? realNow()
const store = new MemoryStore({ clock: () => Date.now() })

async function startApp() {
  const app = express()
  app.set('trust proxy', false)
  app.use('/admin', adminRouter({ store, dashboard: true }))
  app.get('/v1/orders', apiKeyGuard({ store }), (_req, res) => res.json({ orders: [] }))
  app.post('/v1/orders', apiKeyGuard({ store }), (_req, res) => res.status(201).json({}))
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return { server, origin: `http://127.0.0.1:${server.address().port}` }
}

async function main() {
  const { server, origin } = await startApp()
  // The admin calls fill the first hour; the week of traffic follows, ending before now.
  const start = Math.floor((realNow() - 7 * 24 * HOUR) / HOUR) * HOUR - HOUR
  simulated = start
  const admin = await new KeyManager(store).create({
    name: 'admin',
    type: 'pat',
    scopes: ['admin'],
  })
  const token = admin.data.api_key

  /** An admin REST call, so that the audit trail records it (a few minutes after the last one). */
  const api = async (method, path, body) => {
    if (simulated !== null && simulated < start + HOUR) simulated += 4 * 60_000
    const response = await fetch(`${origin}/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const answer = await response.json()
    if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`)
    return answer.data
  }
  const call = (key, method = 'GET') =>
    fetch(`${origin}/v1/orders`, { method, headers: { Authorization: `Bearer ${key}` } })

  await api('POST', '/plans', {
    id: 'free',
    name: 'Free',
    rate: { per_second: 2 },
    quotas: { daily: 500 },
  })
  await api('POST', '/plans', {
    id: 'pro',
    name: 'Pro',
    description: 'For production traffic',
    rate: { per_second: 20, burst: 40, per_minute: 600 },
    quotas: { daily: 20000, monthly: 400000 },
  })
  await api('POST', '/plans', {
    id: 'enterprise',
    name: 'Enterprise',
    quota_window: 'calendar',
    quotas: { monthly: 5000000 },
  })
  await api('POST', '/users', {
    user_id: 42,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    plan_id: 'pro',
  })
  await api('POST', '/users', {
    user_id: 7,
    name: 'Grace Hopper',
    email: 'grace@example.com',
    plan_id: 'free',
  })
  const checkout = await api('POST', '/keys', {
    name: 'Checkout service',
    user_id: 42,
    category: 'backend',
    scopes: ['orders:read', 'orders:write'],
    rate: { per_second: 5, burst: 10 },
    quotas: { daily: 520 },
    metadata: { team: 'payments', region: 'eu-west-1' },
  })
  const mobile = await api('POST', '/keys', { name: 'Mobile app', user_id: 7, category: 'client' })
  await api('POST', '/keys', {
    name: 'Reporting job',
    user_id: 42,
    category: 'batch',
    scopes: ['orders:read'],
  })
  const legacy = await api('POST', '/keys', {
    name: 'Legacy integration',
    plan_id: 'enterprise',
    category: 'partner',
  })
  const staging = await api('POST', '/keys', {
    name: 'Staging',
    plan_id: 'free',
    category: 'backend',
  })
  await api('PUT', '/plans/pro', { quotas: { daily: 25000 } })

  // A week of traffic, hour by hour: a daily rhythm, bursts over the rate, the daily quota's edge.
  for (let hour = 0; hour < 7 * 24; hour++) {
    const at = start + HOUR + hour * HOUR
    const rhythm = Math.round(22 + 16 * Math.sin(((hour % 24) - 8) * (Math.PI / 12)) + (hour % 5))
    for (let i = 0; i < rhythm; i++) {
      simulated = at + i * 50_000
      await call(checkout.api_key, i % 4 === 0 ? 'POST' : 'GET')
    }
    if (hour % 9 === 3) {
      simulated = at + 59 * 60_000
      await Promise.all(Array.from({ length: 18 }, () => call(checkout.api_key)))
    }
    if (hour % 3 === 0) {
      simulated = at + 30 * 60_000
      for (let i = 0; i < 4; i++) await call(mobile.api_key)
    }
    if (hour === 100) await api('POST', `/keys/${legacy.id}/revoke`)
    if (hour === 150) await api('PUT', `/keys/${staging.id}`, { status: 'inactive' })
    await flushRequestLogs(store)
  }
  simulated = start + HOUR + 7 * 24 * HOUR - 60_000
  await api('POST', `/keys/${checkout.id}/regenerate`, { grace_seconds: 3600 })
  await call(staging.api_key)
  await flushRequestLogs(store)
  simulated = null

  mkdirSync(OUT, { recursive: true })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  try {
    const shoot = async (
      width,
      height,
      route,
      file,
      ready,
      { fullPage = false, scrollTo } = {},
    ) => {
      const context = await browser.newContext({ viewport: { width, height } })
      const page = await context.newPage()
      await page.goto(`${origin}/admin/ui/`)
      await page.getByLabel('Admin token').fill(token)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
      await page.goto(`${origin}/admin/ui/#/${route}`)
      await page.locator(ready).first().waitFor()
      // Let the chart settle at its width; no focus ring on the heading; then the part to show.
      await page.waitForTimeout(300)
      await page.evaluate('document.activeElement && document.activeElement.blur()')
      if (scrollTo) await page.evaluate(`document.querySelector('${scrollTo}').scrollIntoView()`)
      await page.screenshot({ path: join(OUT, file), fullPage })
      await context.close()
      console.log(`docs/img/${file}`)
    }
    await shoot(1280, 760, 'keys', 'dashboard-keys.png', 'tbody tr')
    await shoot(1280, 900, `keys/${checkout.id}`, 'dashboard-key.png', '.chart canvas', {
      fullPage: true,
    })
    await shoot(
      1280,
      900,
      'plans/pro',
      'dashboard-plan.png',
      'section[aria-labelledby=plan-users-h] tbody tr',
    )
    await shoot(1280, 900, 'audit', 'dashboard-audit.png', 'tbody tr')
    await shoot(400, 860, `keys/${checkout.id}`, 'dashboard-key-400.png', '.chart canvas', {
      scrollTo: '#windows-h',
    })
  } finally {
    await browser.close()
    server.close()
    await store.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
