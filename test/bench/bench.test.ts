// npm run bench end to end, in a short partial run: every variant answers as it should and the
// counts it reports hold. No timing is asserted: figures come from the benchmark, not from tests.

import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Round {
  variant: string
  scenario: string
  expectedShare: number
  redisCommands: number
  limiterScriptCalls: number
  server: { requests: number; redisSent: number }
}
interface Results {
  rounds: Round[]
  targets: Array<{ target: string; variant: string; met: boolean }>
  failures: string[]
}

const ROOT = join(__dirname, '..', '..')

describe('npm run bench (quick, partial run)', () => {
  let dir: string
  let results: Results
  let output: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kg-bench-'))
    const out = join(dir, 'results.json')
    output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          join(ROOT, 'bench', 'run.js'),
          '--quick',
          '--variants=a,g,d,f',
          '--scenarios=hot,rejected,malformed',
          '--no-memory',
          `--out=${out}`,
        ],
        { cwd: ROOT, timeout: 150_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      )
    })
    results = JSON.parse(readFileSync(out, 'utf8')) as Results
  }, 180_000)
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const round = (variant: string, scenario: string): Round => {
    const found = results.rounds.find((r) => r.variant === variant && r.scenario === scenario)
    if (!found) throw new Error(`no round for ${variant} / ${scenario}`)
    return found
  }

  it('measures every variant in every scenario asked for, each answering as expected', () => {
    expect(results.failures).toEqual([])
    for (const variant of ['a', 'g', 'd', 'f']) {
      for (const scenario of ['hot', 'rejected', 'malformed']) {
        const r = round(variant, scenario)
        expect(r.server.requests).toBeGreaterThan(0)
        expect(r.expectedShare).toBeGreaterThanOrEqual(0.995)
      }
    }
    expect(output).toContain('Targets (hot path)')
  })

  it('counts at most one verification script call per request, and none for malformed tokens', () => {
    for (const scenario of ['hot', 'rejected']) {
      const r = round('f', scenario)
      // Requests of one tick share a call (up to 64 tokens each), never more than one each.
      expect(r.limiterScriptCalls).toBeLessThanOrEqual(r.server.requests)
      expect(r.limiterScriptCalls).toBeGreaterThanOrEqual(Math.ceil(r.server.requests / 64))
    }
    const malformed = round('f', 'malformed')
    expect(malformed.limiterScriptCalls).toBe(0)
    expect(malformed.server.redisSent).toBe(0)
    expect(malformed.redisCommands).toBe(0)
    for (const scenario of ['hot', 'rejected', 'malformed']) {
      expect(round('a', scenario).server.redisSent).toBe(0)
    }
    const once = results.targets.find(
      (t) => t.variant === 'f' && t.target === 'at most 1.0 verify.lua call per request',
    )
    expect(once?.met).toBe(true)
  })
})
