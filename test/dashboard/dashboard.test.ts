// The admin dashboard in a real Chromium, against adminRouter({ dashboard: true }) on each store:
// sign-in, the one-time secret, traffic in the chart and the log, lifecycle from the UI, escaping.

import type { Browser } from 'playwright-core'
import { flushRequestLogs } from '../../src'
import { useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'
import {
  buildDashboard,
  eventually,
  inPage,
  launchChromium,
  openPage,
  signIn,
  startTestApp,
  type TestApp,
  textOf,
  type WatchedPage,
  waitForText,
} from './dashboard-harness'

jest.setTimeout(30_000)

let browser: Browser
let built: ReturnType<typeof buildDashboard>

beforeAll(async () => {
  built = buildDashboard()
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  built?.remove()
})

describe.each(STORE_KINDS)('the dashboard on %s', (kind) => {
  const admin = useAdmin(kind)
  let app: TestApp
  let watched: WatchedPage[] = []

  beforeAll(async () => {
    app = await startTestApp(admin.store, built.dir)
  })
  afterAll(async () => {
    await app?.close()
  })

  const open = async (options?: Parameters<typeof openPage>[1]): Promise<WatchedPage> => {
    const w = await openPage(browser, options)
    watched.push(w)
    return w
  }
  // Every page of every test: no CSP violation, no script error, no dialog of the page's own.
  afterEach(async () => {
    const pages = watched
    watched = []
    for (const w of pages) {
      await w.context.close()
      expect(w.cspViolations).toEqual([])
      expect(w.pageErrors).toEqual([])
      expect(w.dialogs).toEqual([])
    }
  })

  it('is served with its strict CSP, which blocks an injected inline script', async () => {
    const response = await fetch(app.dashboard)
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    const html = await response.text()
    expect(html).toContain('src="./app.js"')
    expect(html).toContain('href="./app.css"')
    expect(html).not.toMatch(/<style|style=|<script>/)

    // The listener the other tests rely on does see a violation.
    const w = await openPage(browser)
    await w.page.goto(app.dashboard)
    await inPage(
      w.page,
      `{ const script = document.createElement('script')
         script.textContent = 'document.title = "injected"'
         document.body.append(script) }`,
    )
    await eventually('a violation is reported', () => w.cspViolations.length > 0)
    expect(w.cspViolations.join('\n')).toMatch(/script-src/)
    expect(await w.page.title()).toBe('keyguard admin')
    await w.context.close()
  })

  it('refuses a wrong token and a non-admin token, saying why, and keeps neither', async () => {
    const { page } = await open()
    await page.goto(app.dashboard)
    await page.getByLabel('Admin token').fill('kg_pat_notARealTokenAtAll000000000000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await waitForText(page, '[role=alert]', /Invalid API Key/)).toMatch(
      /not accepted.*INVALID_API_KEY/,
    )

    const plain = await admin.keys.create({ name: 'no admin here', scopes: ['reports:read'] })
    await page.getByLabel('Admin token').fill(plain.data.api_key)
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await waitForText(page, '[role=alert]', /Insufficient permissions/)).toMatch(
      /not an admin token.*INSUFFICIENT_SCOPE/,
    )
    expect(await page.getByRole('heading', { name: 'Keys' }).count()).toBe(0)
    const stored = await inPage(page, '[sessionStorage.length, localStorage.length]')
    expect(stored).toEqual([0, 0])
    expect(page.url()).toBe(app.dashboard)
  })

  it('signs in with an admin token kept in sessionStorage only', async () => {
    const { page } = await open()
    await signIn(page, app, admin.token)
    const storage = await inPage(
      page,
      '({ session: Object.values(sessionStorage), local: localStorage.length })',
    )
    expect(storage).toEqual({ session: [admin.token], local: 0 })
    expect(page.url()).not.toContain(admin.token)
    // The session outlives a reload of the tab.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Admin token').waitFor()
    expect(await inPage(page, 'sessionStorage.length')).toBe(0)
  })

  it('creates a key and shows its working secret once, with a copy button', async () => {
    const { page } = await open({ clipboard: true })
    await signIn(page, app, admin.token)
    await page.getByRole('button', { name: 'New key' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Checkout service')
    await page.getByLabel('Scopes').fill('orders:read, orders:write')
    await page.getByLabel('Daily').fill('500')
    await page.getByRole('button', { name: 'Create key' }).click()

    const secretBox = page.getByLabel('Secret', { exact: true })
    await secretBox.waitFor()
    const secret = await secretBox.inputValue()
    expect(secret).toMatch(/^kg_sk_/)
    expect(await textOf(page, '.secret [role=alert]')).toContain('only time')
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByText('Copied to the clipboard.').waitFor()
    expect(await inPage(page, 'navigator.clipboard.readText()')).toBe(secret)
    // It is the key's real secret.
    expect(await app.guarded(secret)).toEqual({ status: 200, code: undefined })

    // Gone after a reload, and never stored.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
    await page.getByRole('link', { name: 'Checkout service' }).waitFor()
    expect(await page.content()).not.toContain(secret)
    const stored = await inPage<string>(
      page,
      'JSON.stringify([Object.values(sessionStorage), Object.values(localStorage)])',
    )
    expect(stored).not.toContain(secret)
    const created = (await admin.keys.list({ limit: 100 })).data.find(
      (k) => k.name === 'Checkout service',
    )
    expect(created?.scopes).toEqual(['orders:read', 'orders:write'])
    expect(created?.quotas.daily).toBe(500)
  })

  it("shows guarded traffic in the key's chart, log and live windows, and where limits come from", async () => {
    await admin.keys.plans.create({ id: `pro-${kind}`, name: 'Pro', rate: { per_second: 50 } })
    const key = await admin.keys.create({
      name: 'Traffic',
      plan_id: `pro-${kind}`,
      quotas: { total: 3 },
    })
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push(await app.guarded(key.data.api_key))
    expect(statuses.map((s) => s.code ?? s.status)).toEqual([
      200,
      200,
      200,
      'QUOTA_EXCEEDED',
      'QUOTA_EXCEEDED',
    ])
    await flushRequestLogs(admin.store)

    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)
    expect(await waitForText(page, '[data-testid=series-totals]', /allowed/)).toMatch(
      /Last 7 days: 3 allowed, 2 rejected \(QUOTA_EXCEEDED: 2\)/,
    )
    // uPlot drew it: a canvas, and a legend with both lines.
    const canvas = page.locator('.chart canvas')
    await canvas.waitFor()
    expect((await canvas.boundingBox())?.width).toBeGreaterThan(300)
    const legend = await textOf(page, '.chart .u-legend')
    expect(legend).toContain('allowed')
    expect(legend).toContain('QUOTA_EXCEEDED')
    await page.getByRole('button', { name: 'Per day, 90 days' }).click()
    await waitForText(page, '[data-testid=series-totals]', /Last 90 days: 3 allowed, 2 rejected/)

    // The request log: every request, and its filter by status.
    const log = page.locator('section[aria-labelledby=requests-h] tbody tr')
    await waitForText(page, 'section[aria-labelledby=requests-h]', /5 of 5 logged/)
    expect(await log.count()).toBe(5)
    await page
      .locator('section[aria-labelledby=requests-h]')
      .getByLabel('Status')
      .selectOption('rejected')
    await waitForText(page, 'section[aria-labelledby=requests-h]', /2 match the filters/)
    expect(await log.count()).toBe(2)
    expect(await log.first().textContent()).toContain('QUOTA_EXCEEDED')

    // The total window, and where each limit comes from.
    const windows = await textOf(page, 'section[aria-labelledby=windows-h] tbody')
    expect(windows).toMatch(/total\s*3\s*3\s*0/)
    // The plan's per-second rate, live: its bucket of 50 (refilled, or nearly, by now).
    expect(windows).toMatch(/second\s*\d+\s*50\s*\d+/)
    const limits = page.locator('section[aria-labelledby=limits-h] tbody tr')
    expect(await limits.filter({ hasText: 'Rate per second' }).textContent()).toMatch(
      /50.*plan Pro/,
    )
    expect(await limits.filter({ hasText: 'Total quota' }).textContent()).toMatch(/3.*key/)
    expect(await limits.filter({ hasText: 'Daily quota' }).textContent()).toMatch(/unlimited.*none/)
  })

  it('deactivates a key from its page (keyboard only): the very next request is refused', async () => {
    const key = await admin.keys.create({ name: 'Soon inactive' })
    expect((await app.guarded(key.data.api_key)).status).toBe(200)
    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)

    // Escape cancels a confirmation: nothing happens.
    await page.getByRole('button', { name: 'Revoke…' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog', { name: 'Revoke this key for good?' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    expect((await app.guarded(key.data.api_key)).status).toBe(200)

    await page.getByRole('button', { name: 'Deactivate' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Deactivate this key?' })
    await dialog.waitFor()
    // The safe choice has the focus; Tab reaches the action.
    expect(await inPage(page, 'document.activeElement?.textContent')).toBe('Cancel')
    await page.keyboard.press('Tab')
    expect(await inPage(page, 'document.activeElement?.textContent')).toBe('Deactivate')
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached' })
    await waitForText(page, 'main h1', /inactive/)
    expect(await app.guarded(key.data.api_key)).toEqual({ status: 401, code: 'INACTIVE_API_KEY' })

    // The change is in the key's audit trail, and Reactivate undoes it.
    await waitForText(page, 'section[aria-labelledby=key-audit-h]', /key\.deactivate/)
    await page.getByRole('button', { name: 'Reactivate' }).click()
    await waitForText(page, 'main h1', /active/)
    expect((await app.guarded(key.data.api_key)).status).toBe(200)
  })

  it('regenerates with a grace period: the new secret once, the old one still working', async () => {
    const key = await admin.keys.create({ name: 'Rotated' })
    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)
    await page.getByRole('button', { name: 'Regenerate…' }).click()
    await page.getByLabel('Grace period (seconds)').fill('3600')
    await page.getByRole('dialog').getByRole('button', { name: 'Regenerate' }).click()
    const fresh = await page.getByLabel('Secret', { exact: true }).inputValue()
    expect(fresh).toMatch(/^kg_sk_/)
    expect(fresh).not.toBe(key.data.api_key)
    expect(await textOf(page, '.secret [role=alert]')).toContain('3600 more second')
    expect((await app.guarded(fresh)).status).toBe(200)
    expect((await app.guarded(key.data.api_key)).status).toBe(200)
  })

  it('edits name, limits, scopes and metadata, refusing metadata that is not a JSON object', async () => {
    const key = await admin.keys.create({ name: 'Before', quotas: { daily: 10 } })
    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)
    await page.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Name', { exact: true }).fill('After')
    await page.getByLabel('Daily').fill('')
    await page.getByLabel('Per minute').fill('120')
    await page.getByLabel('Scopes').fill('a:b')
    await page.getByLabel('Metadata (JSON object)').fill('[1, 2]')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('must be a JSON object').waitFor()
    await page.getByLabel('Metadata (JSON object)').fill('{"team": "billing"}')
    await page.getByRole('button', { name: 'Save' }).click()
    await waitForText(page, 'main h1', /After/)
    const { data } = await admin.keys.get(key.data.id)
    expect(data).toMatchObject({
      name: 'After',
      scopes: ['a:b'],
      metadata: { team: 'billing' },
      rate: { per_minute: 120 },
    })
    expect(data.quotas.daily ?? null).toBeNull()
  })

  it('renders a key named <img src=x onerror=alert(1)> as text', async () => {
    const name = '<img src=x onerror=alert(1)>'
    const key = await admin.keys.create({
      name,
      category: '<b>bold</b>',
      metadata: { note: '<script>alert(2)</script>' },
    })
    const { page, dialogs } = await open()
    await signIn(page, app, admin.token)
    await page.getByRole('link', { name }).waitFor()
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)
    expect(await waitForText(page, 'main h1', /img/)).toContain(name)
    expect(await textOf(page, 'dl.details')).toContain('<script>alert(2)</script>')
    expect(await page.locator('main img, main b, main script').count()).toBe(0)
    expect(dialogs).toEqual([])
  })

  it('fits a 400 px wide screen without scrolling sideways', async () => {
    const key = await admin.keys.create({ name: 'Narrow', metadata: { a: 'b' } })
    const { page } = await open({ width: 400 })
    await signIn(page, app, admin.token)
    const overflow = (): Promise<number> =>
      inPage<number>(page, 'document.documentElement.scrollWidth - window.innerWidth')
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.goto(`${app.dashboard}#/keys/${key.data.id}`)
    await page.locator('.chart canvas').waitFor()
    expect(await overflow()).toBeLessThanOrEqual(0)
  })

  it('creates and edits a plan, lists its keys and users, and audits it; a user page', async () => {
    const plan = `team-${kind}`
    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.getByRole('link', { name: 'Plans' }).click()
    await page.getByRole('button', { name: 'New plan' }).click()
    await page.getByLabel('Id', { exact: true }).fill(plan)
    await page.getByLabel('Name', { exact: true }).fill('Team plan')
    await page.getByLabel('Daily').fill('9')
    await page.getByRole('button', { name: 'Create plan' }).click()
    await waitForText(page, 'main h1', /Plan Team plan/)
    await page.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Daily').fill('12')
    await page.getByRole('button', { name: 'Save' }).click()
    await waitForText(page, 'dl.details', /12 daily/)
    expect((await admin.keys.plans.get(plan)).data.quotas.daily).toBe(12)

    const user = await admin.keys.users.create({ name: 'Ada', plan_id: plan })
    await admin.keys.create({ name: 'On team', plan_id: plan })
    await admin.keys.users.createKey(user.data.user_id, { name: "Ada's key" })
    await page.reload()
    await page.getByRole('link', { name: 'On team' }).waitFor()
    await page.getByRole('link', { name: "Ada's key" }).waitFor()
    await page.getByRole('link', { name: 'Ada', exact: true }).click()
    await waitForText(page, 'main h1', /User Ada/)
    await page.getByRole('link', { name: "Ada's key" }).waitFor()

    await page.getByRole('link', { name: 'Audit' }).click()
    await waitForText(page, 'main h1', /Audit trail/)
    await page.getByLabel('Action').selectOption('plan.update')
    const row = await waitForText(page, 'main tbody tr', new RegExp(`plan:${plan}`))
    expect(row).toContain('quotas')
  })

  it('lists a blocked IP and unblocks it, after a confirmation', async () => {
    const ip = '203.0.113.7'
    let answer = await app.guarded('kg_sk_notAToken', ip)
    for (let i = 0; i < 30 && answer.code !== 'IP_BLOCKED'; i++) {
      answer = await app.guarded('kg_sk_notAToken', ip)
    }
    expect(answer).toEqual({ status: 403, code: 'IP_BLOCKED' })
    const key = await admin.keys.create({ name: 'From the blocked IP' })
    expect((await app.guarded(key.data.api_key, ip)).code).toBe('IP_BLOCKED')

    const { page } = await open()
    await signIn(page, app, admin.token)
    await page.getByRole('link', { name: 'IP blocks' }).click()
    await page.getByRole('button', { name: `Unblock ${ip}` }).click()
    await page.getByRole('dialog', { name: 'Unblock this address?' }).waitFor()
    await page.getByRole('dialog').getByRole('button', { name: 'Unblock' }).click()
    await page.getByText(`${ip} is unblocked.`).waitFor()
    await page.getByText('No IP is blocked.').waitFor()
    expect(await app.guarded(key.data.api_key, ip)).toEqual({ status: 200, code: undefined })
  })
})
