// A private redis-server that can be killed (-9) and started again on the same port and directory, with or without its data.

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, HOW_TO_GET_REDIS, hasRedisServerBinary } from './redis-server'

const run = promisify(execFile)

export interface RestartableRedis {
  readonly url: string
  readonly port: number
  /** Its directory: dump.rdb (after SAVE) and appendonly files live here. */
  readonly dir: string
  readonly alive: boolean
  /** SIGKILL, as `kill -9`. */
  kill(): Promise<void>
  /** Starts it on the same port; `empty`: without the data files (a restart that lost its data). */
  start(options?: { empty?: boolean }): Promise<void>
  /** Copies dump.rdb aside (after a SAVE), to restore it later with `restore()`. */
  backup(): string
  /** Kills it, puts the backup back as dump.rdb, and starts it: the data as of the backup. */
  restore(backup: string): Promise<void>
  stop(): Promise<void>
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'])
      if (stdout.trim() === 'PONG') return
    } catch {}
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`)
}

/** `args`: more redis-server arguments (e.g. `--appendonly yes`); by default no persistence but SAVE. */
export async function startRestartableRedis(args: string[] = []): Promise<RestartableRedis> {
  if (!hasRedisServerBinary()) throw new Error(HOW_TO_GET_REDIS)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-restartable-'))
  let child: ChildProcess | null = null
  let generation = 0
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null

  const handle: RestartableRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get alive() {
      return alive()
    },
    async kill() {
      const c = child
      if (c === null || !alive()) return
      const exited = new Promise((r) => c.once('exit', r))
      c.kill('SIGKILL')
      await exited
    },
    async start(options = {}) {
      await handle.kill()
      if (options.empty) {
        for (const file of ['dump.rdb', 'appendonlydir']) {
          rmSync(join(dir, file), { recursive: true, force: true })
        }
      }
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args],
        { stdio: 'ignore' },
      )
      await waitForPing(port, child)
    },
    backup() {
      const file = join(dir, `backup-${++generation}.rdb`)
      if (!existsSync(join(dir, 'dump.rdb'))) throw new Error('no dump.rdb: run SAVE first')
      copyFileSync(join(dir, 'dump.rdb'), file)
      return file
    },
    async restore(backup) {
      await handle.kill()
      rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true })
      copyFileSync(backup, join(dir, 'dump.rdb'))
      await handle.start()
    },
    async stop() {
      await handle.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await handle.start()
  return handle
}
