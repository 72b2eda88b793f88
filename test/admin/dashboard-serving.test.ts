// adminRouter({ dashboard: true }) serves the built dashboard under <admin>/ui without a token: the real
// dist/ui build, strict headers on every answer, and (from a temporary folder) no way out of it, 503 until built.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import express from 'express'
import request from 'supertest'
import { adminRouter, KeyguardConfigError, MemoryStore } from '../../src'
import {
  DASHBOARD_ASSETS_DIR,
  DASHBOARD_CSP,
  dashboardAssetsDir,
  packageRoot,
} from '../../src/dashboard'

const ROOT = join(__dirname, '..', '..')
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const store = new MemoryStore()
afterAll(() => store.close())

/** An app with the admin API at `base`, its dashboard served from `assets` (default: dist/ui). */
function appWith(options: { dashboard?: boolean; assets?: string } = {}, base = '/admin') {
  const routerOptions = { store, dashboard: options.dashboard ?? true }
  if (options.assets !== undefined) {
    Object.assign(routerOptions, { [DASHBOARD_ASSETS_DIR]: options.assets })
  }
  return express().use(base, adminRouter(routerOptions))
}

/** The headers every dashboard answer carries, whatever its status. */
function expectStrictHeaders(res: request.Response): void {
  expect({
    csp: res.headers['content-security-policy'],
    nosniff: res.headers['x-content-type-options'],
    referrer: res.headers['referrer-policy'],
  }).toEqual({ csp: CSP, nosniff: 'nosniff', referrer: 'no-referrer' })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : [relative(ROOT, join(dir, entry.name))],
  )
}

describe('the dashboard build in dist/ui', () => {
  const dir = join(ROOT, 'dist', 'ui')
  const built = existsSync(join(dir, 'index.html'))

  it('is found from the package root, as the build writes it', () => {
    expect(DASHBOARD_CSP).toBe(CSP)
    expect(packageRoot()).toBe(ROOT)
    expect(dashboardAssetsDir()).toBe(dir)
    // `npm test` builds first: then the dashboard must be there. (A run with
    // KEYGUARD_SKIP_BUILD_CHECK=1 may be on a tree never built; the 503 is checked below then.)
    if (process.env.KEYGUARD_SKIP_BUILD_CHECK !== '1') expect(built).toBe(true)
  })

  it('serves index.html at <admin>/ui/, without a token, never cached; <admin>/ui redirects there', async () => {
    const app = appWith()
    const bare = await request(app).get('/admin/ui')
    expectStrictHeaders(bare)
    if (!built) {
      expect([bare.status, bare.body.code]).toEqual([503, 'DASHBOARD_NOT_BUILT'])
      return
    }
    // Relative to <admin>/ui, the page's ./app.js would be <admin>/app.js: the slash matters.
    expect([bare.status, bare.headers.location]).toEqual([301, 'ui/'])
    expect((await request(app).get('/admin/ui?from=x')).headers.location).toBe('ui/?from=x')
    const page = await request(app).get('/admin/ui/')
    expect(page.status).toBe(200)
    expectStrictHeaders(page)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.text).toBe(readFileSync(join(dir, 'index.html'), 'utf8'))
    expect((await request(app).get('/admin/ui/index.html')).headers['cache-control']).toBe(
      'no-store',
    )
    // The REST API behind it still wants the admin token.
    expect((await request(app).get('/admin/keys')).status).toBe(401)
  })

  it('serves every file of the build, byte for byte, with its type; the page loads only its own files', async () => {
    if (!built) return
    const app = appWith()
    const files = filesUnder(dir)
    expect(files.map((f) => f.replace(/^dist\/ui\//, ''))).toEqual(
      expect.arrayContaining(['index.html', 'app.js', 'app.css']),
    )
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      html: 'text/html; charset=utf-8',
      txt: 'text/plain; charset=utf-8',
    }
    for (const file of files) {
      const path = `/admin/ui/${relative(dir, join(ROOT, file)).split('\\').join('/')}`
      const res = await request(app)
        .get(path)
        .buffer(true)
        .parse(rawBody as never)
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
      expectStrictHeaders(res)
      expect(Buffer.compare(res.body as Buffer, readFileSync(join(ROOT, file)))).toBe(0)
      const ext = file.slice(file.lastIndexOf('.') + 1)
      if (types[ext]) expect(res.headers['content-type']).toBe(types[ext])
      if (!path.endsWith('/index.html')) {
        expect(res.headers['cache-control']).toBe('public, no-cache')
        const again = await request(app)
          .get(path)
          .set('If-None-Match', res.headers.etag ?? '')
        expect(again.status).toBe(304)
      }
    }
    // What the page loads: its own files (relative URLs) or data: URLs; no CDN, no inline script.
    const html = readFileSync(join(dir, 'index.html'), 'utf8')
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string)
    expect(urls.length).toBeGreaterThanOrEqual(2)
    for (const url of urls.filter((u) => !u.startsWith('data:'))) {
      expect(url).not.toMatch(/^(?:[a-z]+:)?\/\//i)
      const res = await request(app).get(new URL(url, 'http://x/admin/ui/').pathname)
      expect({ url, status: res.status }).toEqual({ url, status: 200 })
    }
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
    const head = await request(app).head('/admin/ui/app.js')
    expect([head.status, head.headers['content-length']]).toEqual([
      200,
      String(readFileSync(join(dir, 'app.js')).length),
    ])
  })
})

describe('dashboard serving from a folder (traversal, missing build)', () => {
  let work = ''
  let assets = ''
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'keyguard-dashboard-'))
    assets = join(work, 'ui')
    writeFileSync(join(work, 'secret.txt'), 'SECRET outside the assets')
    mkdirSync(join(assets, 'img'), { recursive: true })
    writeFileSync(join(assets, 'index.html'), '<!doctype html><script src="./app.js"></script>')
    writeFileSync(join(assets, 'app.js'), 'console.log(1)')
    writeFileSync(join(assets, 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    writeFileSync(join(assets, 'font.woff2'), Buffer.from([0, 1, 2]))
    writeFileSync(join(assets, 'data.bin'), Buffer.from([3, 4]))
    writeFileSync(join(assets, '.env'), 'SECRET dotfile')
    symlinkSync(join(work, 'secret.txt'), join(assets, 'link.txt'))
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('serves nested files with their types; unknown kinds as bytes', async () => {
    const app = appWith({ assets })
    const svg = await request(app).get('/admin/ui/img/logo.svg')
    expect([svg.status, svg.headers['content-type']]).toEqual([200, 'image/svg+xml'])
    const font = await request(app).get('/admin/ui/font.woff2')
    expect([font.status, font.headers['content-type']]).toEqual([200, 'font/woff2'])
    const bin = await request(app).get('/admin/ui/data.bin')
    expect([bin.status, bin.headers['content-type']]).toEqual([200, 'application/octet-stream'])
    const js = await request(app).get('/admin/ui/app.js')
    expect([js.status, js.headers['content-type'], js.text]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'console.log(1)',
    ])
  })

  it('never serves a file outside the folder, a dotfile, or a folder', async () => {
    const app = appWith({ assets })
    const attempts = [
      '/admin/ui/../secret.txt',
      '/admin/ui/%2e%2e/secret.txt',
      '/admin/ui/..%2fsecret.txt',
      '/admin/ui/%2e%2e%2fsecret.txt',
      '/admin/ui/..%5csecret.txt',
      '/admin/ui/img/../../secret.txt',
      '/admin/ui/img/%2e%2e/%2e%2e/secret.txt',
      '/admin/ui/%2fetc%2fpasswd',
      '/admin/ui/link.txt',
      '/admin/ui/.env',
      '/admin/ui/%2eenv',
      '/admin/ui/img',
      '/admin/ui/img/',
      '/admin/ui/app.js%00.txt',
      '/admin/ui/%E0%A4%A',
      '/admin/ui/missing.js',
    ]
    for (const path of attempts) {
      const res = await request(app).get(path)
      expect({ path, leaked: /SECRET|root:/.test(res.text) }).toEqual({ path, leaked: false })
      // 401: the client resolved the dots itself, so the request left <admin>/ui for the API.
      expect({ path, refused: [404, 401].includes(res.status) }).toEqual({ path, refused: true })
      if (res.status === 404) {
        expectStrictHeaders(res)
        expect(res.body.code).toBe('NOT_FOUND')
      }
    }
  })

  it('answers 405 to anything but GET and HEAD', async () => {
    const res = await request(appWith({ assets })).post('/admin/ui/app.js')
    expect([res.status, res.headers.allow, res.body.code]).toEqual([
      405,
      'GET, HEAD',
      'METHOD_NOT_ALLOWED',
    ])
    expectStrictHeaders(res)
  })

  it('answers 503 with what to run while the assets are not built, and serves them once they are', async () => {
    const later = join(work, 'later')
    const app = appWith({ assets: later })
    for (const path of ['/admin/ui', '/admin/ui/', '/admin/ui/app.js']) {
      const res = await request(app).get(path)
      expect([res.status, res.body.code]).toEqual([503, 'DASHBOARD_NOT_BUILT'])
      expect(res.body.error).toMatch(/run `npm run build`/)
      expect(res.headers['cache-control']).toBe('no-store')
      expectStrictHeaders(res)
    }
    mkdirSync(later)
    writeFileSync(join(later, 'app.js'), 'x')
    // No index.html yet: still not built.
    expect((await request(app).get('/admin/ui/')).status).toBe(503)
    writeFileSync(join(later, 'index.html'), '<!doctype html>')
    expect((await request(app).get('/admin/ui/')).text).toBe('<!doctype html>')
  })

  it('is off by default: <admin>/ui is then behind the admin token like any other path', async () => {
    const res = await request(appWith({ dashboard: false, assets })).get('/admin/ui/')
    expect(res.status).toBe(401)
    expect(res.headers['content-security-policy']).toBeUndefined()
    const defaults = express().use('/admin', adminRouter({ store }))
    expect((await request(defaults).get('/admin/ui/')).status).toBe(401)
  })

  it('works wherever the router is mounted', async () => {
    const app = appWith({ assets }, '/')
    expect((await request(app).get('/ui')).headers.location).toBe('ui/')
    expect((await request(app).get('/ui/')).status).toBe(200)
    const deep = appWith({ assets }, '/api/v2/admin')
    expect((await request(deep).get('/api/v2/admin/ui')).headers.location).toBe('ui/')
    expect((await request(deep).get('/api/v2/admin/ui/app.js')).status).toBe(200)
  })

  it('validates the option', () => {
    expect(() => adminRouter({ store, dashboard: 'yes' as never })).toThrow(KeyguardConfigError)
    expect(() => adminRouter({ store, dashboard: 'yes' as never })).toThrow(
      /option "dashboard": must be true or false/,
    )
    expect(() => adminRouter({ store, dashbord: true } as never)).toThrow(
      /did you mean "dashboard"/,
    )
  })
})

/** Collects a body as bytes, whatever its type. */
function rawBody(res: NodeJS.ReadableStream, done: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = []
  res.on('data', (chunk: Buffer) => chunks.push(chunk))
  res.on('end', () => done(null, Buffer.concat(chunks)))
}
