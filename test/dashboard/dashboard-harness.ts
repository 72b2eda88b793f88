// The dashboard's browser tests: a built dashboard, an app serving it beside a guarded route, and a
// headless Debian Chromium (playwright-core) whose pages report CSP violations and script errors.

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { type AdminRouterOptions, adminRouter, apiKeyGuard, type Store } from '../../src'
import { DASHBOARD_ASSETS_DIR } from '../../src/dashboard'

export const CHROMIUM = '/usr/bin/chromium'
/** Where the guarded route of the test app is. */
export const GUARDED = '/api/hello'

/** Builds ui/ into a temporary folder (scripts/build-ui.js, as `npm run build` does into dist/ui). */
export function buildDashboard(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-ui-'))
  const { buildUi } = require('../../scripts/build-ui.js') as { buildUi: (out: string) => string }
  buildUi(dir)
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The dashboard's browser tests drive Debian's Chromium at ${CHROMIUM}, which is missing: ` +
        'install it with `apt-get update && apt-get install -y chromium` (.ci/run does).',
    )
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true })
}

export interface TestApp {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The dashboard's page: `<origin>/admin/ui/`. */
  readonly dashboard: string
  /** A request to the guarded route with this token (from `ip`, if given): its status and code. */
  guarded(token: string, ip?: string): Promise<{ status: number; code: string | undefined }>
  close(): Promise<void>
}

/** `app.use('/admin', adminRouter({ store, dashboard: true }))` and a guarded route, on a free port. */
export async function startTestApp(store: Store, assetsDir: string): Promise<TestApp> {
  const app = express()
  // Requests from this machine may name another client IP (X-Forwarded-For), so a test can get
  // an address blocked without blocking the browser's.
  app.set('trust proxy', 'loopback')
  const options = { store, dashboard: true, [DASHBOARD_ASSETS_DIR]: assetsDir }
  app.use('/admin', adminRouter(options as AdminRouterOptions))
  app.get(GUARDED, apiKeyGuard({ store }), (_req, res) => {
    res.json({ hello: 'world' })
  })
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    dashboard: `${origin}/admin/ui/`,
    async guarded(token, ip) {
      const headers: Record<string, string> = { Authorization: `Bearer ${token}` }
      if (ip) headers['X-Forwarded-For'] = ip
      const response = await fetch(origin + GUARDED, { headers })
      const body = (await response.json()) as { code?: string }
      return { status: response.status, code: body.code }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** A page in a fresh context (its own sessionStorage), and what went wrong in it. */
export interface WatchedPage {
  readonly page: Page
  readonly context: BrowserContext
  /** `securitypolicyviolation` events and console messages about the Content-Security-Policy. */
  readonly cspViolations: string[]
  /** Uncaught script errors. */
  readonly pageErrors: string[]
  /** Dialogs the page opened (alert, confirm, …): the app opens none. */
  readonly dialogs: string[]
}

export async function openPage(
  browser: Browser,
  options: { width?: number; clipboard?: boolean } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
  })
  if (options.clipboard) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  }
  const cspViolations: string[] = []
  const pageErrors: string[] = []
  const dialogs: string[] = []
  await context.exposeBinding('__reportViolation', (_source, text: string) => {
    cspViolations.push(text)
  })
  // Page scripts are text here: this project's TypeScript has no DOM types.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.__reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline')))`,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(5000)
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return { page, context, cspViolations, pageErrors, dialogs }
}

/** Signs in with `token` and waits for the keys page. */
export async function signIn(page: Page, app: TestApp, token: string): Promise<void> {
  await page.goto(app.dashboard)
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor()
}

/** The text of the first match, once it is there. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first()
  await locator.waitFor()
  return (await locator.textContent()) ?? ''
}

/** Waits until the page's text at `selector` matches `pattern` (or times out and fails). */
export async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  const match = page.locator(selector, { hasText: pattern }).first()
  await match.waitFor()
  return (await match.textContent()) ?? ''
}

/** An expression evaluated in the page (text: this project's TypeScript has no DOM types). */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T
}

/** Polls `check` until it holds, for at most 5 s (then fails with `what`). */
export async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`still not true after 5 s: ${what}`)
}
