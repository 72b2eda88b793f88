// The soak's redis-server: loopback, a free port, AOF with fsync on every write, killed (-9) and started again on the same port and files.

const { execFile, spawn } = require('node:child_process')
const { mkdtempSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { promisify } = require('node:util')
const { freePort } = require('./redis')

const run = promisify(execFile)

/** A redis-server whose acknowledged writes survive kill -9 (appendfsync always). */
async function startSoakRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-soak-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  args.push('--appendonly', 'yes', '--appendfsync', 'always')
  let child = null
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null

  const kill = async () => {
    if (!alive()) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
      try {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'])
        if (stdout.trim() === 'PONG') return
      } catch {}
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`redis-server on port ${port} did not answer PING in 10 s`)
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    alive,
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

module.exports = { startSoakRedis }
