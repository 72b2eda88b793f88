// npm run bench:middleware in a short run: it measures both stores and says so; a bad flag is a
// clear error. No timing is asserted.

import { execFile } from 'node:child_process'
import { join } from 'node:path'

const SCRIPT = join(__dirname, '..', '..', 'bench', 'middleware-cost.js')

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })

describe('npm run bench:middleware', () => {
  it('prints a median CPU cost per request for MemoryStore and RedisStore', async () => {
    const { code, stdout, stderr } = await run(['--rounds=5'])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    for (const store of ['MemoryStore', 'RedisStore']) {
      const line = stdout.split('\n').find((l) => l.trim().startsWith(store))
      const median = Number(/median ([\d.]+) µs/.exec(line ?? '')?.[1])
      expect(median).toBeGreaterThan(0)
    }
  }, 90_000)

  it('refuses a bad --rounds with a hint', async () => {
    const { code, stderr } = await run(['--rounds=abc'])
    expect(code).toBe(1)
    expect(stderr).toContain('--rounds must be a whole number')
  }, 30_000)
})
