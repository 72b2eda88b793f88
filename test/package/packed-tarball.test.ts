// The package as users get it: `npm pack`, installed into fresh projects in the OS temp folder
// (never loaded from the repo), on Express 4 and 5, ioredis 5 and 6, CommonJS, ESM, TypeScript
// and an esbuild bundle. Needs the npm registry (or a warm npm cache); takes one to two minutes.

import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { Redis } from 'ioredis'
import { uniquePrefix } from '../harness/redis'
import { type RedisServer, startRedisServer } from '../harness/redis-server'
import { guardedStatuses, startConsumerApp } from './consumer-app'
import { type ConsumerProjects, createConsumerProjects } from './consumer-projects'
import { mustRun, runCommand } from './run-command'

jest.setTimeout(120_000)

let projects: ConsumerProjects
let redis: RedisServer

beforeAll(async () => {
  redis = await startRedisServer()
  projects = await createConsumerProjects()
}, 600_000)

afterAll(async () => {
  await redis?.stop()
  if (projects) rmSync(projects.work, { recursive: true, force: true })
})

const installed = (project: { dir: string }): string =>
  realpathSync(join(project.dir, 'node_modules', 'keyguard'))

/** The app's `/admin/ui/` (adminRouter with `dashboard: true`): its status and page. */
async function dashboardOf(report: { port: number }): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${report.port}/admin/ui/`)
  return { status: res.status, text: await res.text() }
}

/** Every copy of `name` in the project's tree, by `npm ls` (which also fails on a bad peer). */
async function copiesOf(dir: string, name: string): Promise<string[]> {
  const out = await mustRun('npm', ['ls', name, '--all', '--parseable'], { cwd: dir })
  return out
    .split('\n')
    .filter((line) => line.endsWith(`${sep}node_modules${sep}${name}`))
    .map((line) => dirname(line))
}

describe('the packed tarball in fresh projects', () => {
  it.each(['express4', 'express5'] as const)(
    '%s: one copy of express and of ioredis',
    async (name) => {
      const { dir } = projects[name]
      expect(await copiesOf(dir, 'express')).toEqual([join(realpathSync(dir), 'node_modules')])
      expect(await copiesOf(dir, 'ioredis')).toEqual([join(realpathSync(dir), 'node_modules')])
    },
  )

  it('Express 4, CommonJS, Redis with its own ioredis 5 client: 401, 200, 200, 429', async () => {
    const app = await startConsumerApp(projects.express4.app, {
      cwd: projects.express4.dir,
      env: { ...process.env, REDIS_URL: redis.url, KEYGUARD_PREFIX: uniquePrefix() },
    })
    try {
      expect(app.report.keyguard).toBe(join(installed(projects.express4), 'dist', 'index.js'))
      expect(app.report.express).toMatch(/^4\./)
      expect(app.report.ioredis).toMatch(/^5\./)
      expect(await guardedStatuses(app.report)).toEqual([401, 200, 200, 429])
      // The dashboard ships in the package (dist/ui) and the CommonJS build finds it.
      const page = join(installed(projects.express4), 'dist', 'ui', 'index.html')
      expect(await dashboardOf(app.report)).toEqual({
        status: 200,
        text: readFileSync(page, 'utf8'),
      })
    } finally {
      await app.stop()
    }
  })

  it('Express 5, ESM, MemoryStore: 401, 200, 200, 429 from the ESM build', async () => {
    const app = await startConsumerApp(projects.express5.app, {
      cwd: projects.express5.dir,
      env: { ...process.env },
    })
    try {
      const loaded = fileURLToPath(app.report.keyguard ?? '')
      expect(loaded).toBe(join(installed(projects.express5), 'dist', 'esm', 'index.mjs'))
      expect(await guardedStatuses(app.report)).toEqual([401, 200, 200, 429])
      // The ESM build finds dist/ui too (from import.meta.url, where CommonJS has __dirname).
      const page = join(installed(projects.express5), 'dist', 'ui', 'index.html')
      expect(await dashboardOf(app.report)).toEqual({
        status: 200,
        text: readFileSync(page, 'utf8'),
      })
    } finally {
      await app.stop()
    }
  })

  it('import gives the same named exports as require; ./package.json is exported', async () => {
    const script = `
      import * as esm from 'keyguard'
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      const cjs = require('keyguard')
      console.log(JSON.stringify({
        esm: Object.keys(esm).sort(),
        cjs: Object.keys(cjs).sort(),
        version: require('keyguard/package.json').version,
      }))`
    const out = await mustRun(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projects.express5.dir,
    })
    const { esm, cjs, version } = JSON.parse(out)
    expect(esm).toEqual(cjs)
    expect(esm).toEqual(expect.arrayContaining(['apiKeyGuard', 'RedisStore', 'MemoryStore']))
    const ours = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'))
    expect(version).toBe(ours.version)
  })

  it('keyguard/metrics loads from import and require, and counts verifications of both builds', async () => {
    const script = `
      import { createVerifier, MemoryStore } from 'keyguard'
      import { keyguardMetrics } from 'keyguard/metrics'
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      const cjs = require('keyguard')
      const cjsMetrics = require('keyguard/metrics')
      const metrics = keyguardMetrics()
      await createVerifier({ store: new MemoryStore() }).verifyRequest({ headers: {} })
      await cjs.createVerifier({ store: new cjs.MemoryStore() }).verifyRequest({ headers: {} })
      const text = await metrics.registry.metrics()
      console.log(JSON.stringify({
        line: text.split('\\n').find((l) => l.startsWith('keyguard_verifications_total{')),
        cjsExports: Object.keys(cjsMetrics).sort(),
      }))`
    const out = await mustRun(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projects.express5.dir,
    })
    expect(JSON.parse(out)).toEqual({
      line: 'keyguard_verifications_total{outcome="rejected",code="MISSING_API_KEY"} 2',
      cjsExports: ['keyguardMetrics', 'metricsHandler'],
    })
  })

  it.each([
    ['express4', 'ioredis 5, TypeScript 5'],
    ['express5', 'ioredis 6, TypeScript 6'],
  ] as const)(
    '%s: a strict TypeScript consumer (%s) type-checks as ESM and CJS',
    async (name, _versions) => {
      const { dir } = projects[name]
      const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
      const result = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir })
      expect({ status: result.status, errors: result.stdout.trim() }).toEqual({
        status: 0,
        errors: '',
      })
    },
  )

  it('an esbuild bundle of the ESM app runs on Redis with no file of the package beside it', async () => {
    const outdir = join(projects.work, 'bundle')
    const result = await build({
      entryPoints: [projects.express5.app],
      absWorkingDir: projects.express5.dir,
      outfile: join(outdir, 'app.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
    })
    // The bundle holds the installed package's ESM build, and the folder holds the bundle only.
    expect(Object.keys(result.metafile.inputs)).toContain(
      'node_modules/keyguard/dist/esm/index.mjs',
    )
    expect(readdirSync(outdir)).toEqual(['app.cjs'])

    const prefix = uniquePrefix()
    const app = await startConsumerApp(join(outdir, 'app.cjs'), {
      cwd: outdir,
      env: {
        ...process.env,
        KEYGUARD_STORE: 'redis',
        REDIS_URL: redis.url,
        KEYGUARD_PREFIX: prefix,
      },
    })
    const client = new Redis(redis.url)
    try {
      expect(app.report.keyguard).toBeNull()
      expect(await guardedStatuses(app.report)).toEqual([401, 200, 200, 429])
      // A bundle carries no dist/ui: the dashboard says so instead of failing.
      const dashboard = await dashboardOf(app.report)
      expect([dashboard.status, JSON.parse(dashboard.text).code]).toEqual([
        503,
        'DASHBOARD_NOT_BUILT',
      ])
      // The verdicts came from verify.lua on this Redis: the key's counters are there.
      expect((await client.keys(`${prefix}*`)).length).toBeGreaterThan(0)
    } finally {
      client.disconnect()
      await app.stop()
    }
  })

  it('every source map of the installed package points at files it ships', () => {
    const root = installed(projects.express4)
    const maps: string[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.map')) maps.push(path)
      }
    }
    walk(join(root, 'dist'))
    expect(maps.length).toBeGreaterThan(20)
    const missing = maps.flatMap((map) => {
      const { sources, sourceRoot } = JSON.parse(readFileSync(map, 'utf8'))
      return (sources as string[])
        .map((source) => resolve(dirname(map), sourceRoot ?? '', source))
        .filter((source) => !existsSync(source))
    })
    expect(missing).toEqual([])
    expect(existsSync(join(root, 'lua'))).toBe(false)
    expect(existsSync(join(root, 'LICENSE'))).toBe(true)
  })
})
