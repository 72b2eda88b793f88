// Fresh projects outside the repo that install the packed tarball, as users would: one on
// Express 4 + ioredis 5 + TypeScript 5 (CommonJS), one on Express 5 + ioredis 6 + TypeScript 6
// (ESM). Both install at once, through the one npm cache of the machine.

import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mustRun } from './run-command'
import { typeScriptConsumer } from './typescript-consumer'

const ROOT = join(__dirname, '..', '..')
const FIXTURES = join(__dirname, 'fixtures')

export interface ConsumerProject {
  dir: string
  /** The app fixture copied into the project. */
  app: string
}

export interface ConsumerProjects {
  /** The temporary folder holding the tarball and every project; removed after the run. */
  work: string
  express4: ConsumerProject
  express5: ConsumerProject
}

const PROJECTS = {
  express4: {
    type: 'commonjs',
    app: 'express4-app.cjs',
    dependencies: {
      express: '^4.21.0',
      ioredis: '^5.0.0',
      '@types/express': '^4.17.21',
      '@types/node': '^20.0.0',
      typescript: '^5.0.0',
    },
  },
  express5: {
    type: 'module',
    app: 'express5-app.mjs',
    dependencies: {
      express: '^5.0.0',
      // ioredis 6.1.0's declarations import 'redis-errors', which has no types: a strict consumer
      // without skipLibCheck fails in ioredis itself. Held at 6.0 until ioredis ships them.
      ioredis: '~6.0.0',
      '@types/express': '^5.0.0',
      '@types/node': '^20.0.0',
      typescript: '~6.0.0',
      'prom-client': '^15.0.0',
    },
  },
} as const

/** `npm pack` of the built package (dist/ is fresh: the global setup checks it). */
async function pack(work: string): Promise<string> {
  const out = await mustRun(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    {
      cwd: ROOT,
    },
  )
  const [packed] = JSON.parse(out) as Array<{ filename: string }>
  if (!packed) throw new Error(`npm pack printed no tarball: ${out}`)
  return join(work, packed.filename)
}

async function createProject(
  work: string,
  tarball: string,
  name: keyof typeof PROJECTS,
): Promise<ConsumerProject> {
  const spec = PROJECTS[name]
  const dir = join(work, name)
  mkdirSync(dir)
  const manifest = {
    name: `consumer-${name.toLowerCase()}`,
    private: true,
    type: spec.type,
    dependencies: { keyguard: `file:${tarball}`, ...spec.dependencies },
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  copyFileSync(join(FIXTURES, spec.app), join(dir, spec.app))
  for (const [file, text] of Object.entries(typeScriptConsumer())) {
    writeFileSync(join(dir, file), text)
  }
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir })
  return { dir, app: join(dir, spec.app) }
}

export async function createConsumerProjects(): Promise<ConsumerProjects> {
  const work = mkdtempSync(join(tmpdir(), 'keyguard-package-'))
  const tarball = await pack(work)
  const [express4, express5] = await Promise.all([
    createProject(work, tarball, 'express4'),
    createProject(work, tarball, 'express5'),
  ])
  return { work, express4, express5 }
}
