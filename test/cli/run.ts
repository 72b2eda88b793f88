// Runs the real built CLI (`node dist/cli/main.js`) against the test Redis, under a unique key prefix.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { RedisStore } from '../../src'
import { deletePrefix, testRedisUrl, uniquePrefix } from '../harness/redis'

export const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, REDIS_URL: testRedisUrl(), ...env }, timeout: 20000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** A prefix for one test file, a `kg` function that passes it, and cleanup afterwards. */
export function useCli() {
  const prefix = uniquePrefix()
  const store = new RedisStore({ url: testRedisUrl(), prefix, commandTimeout: 5000 })
  afterAll(async () => {
    await store.close()
    await deletePrefix(prefix)
  })
  return {
    prefix,
    /** An in-process store on the same prefix, to check what the CLI wrote. */
    store,
    kg: (...args: string[]) => run(['--prefix', prefix, ...args]),
    /** `--json` output, parsed; fails the test on a non-zero exit. */
    json: async (...args: string[]) => {
      const result = await run(['--prefix', prefix, '--json', ...args])
      if (result.code !== 0)
        throw new Error(`keyguard ${args.join(' ')}: ${result.code} ${result.stderr}`)
      return JSON.parse(result.stdout)
    },
  }
}
