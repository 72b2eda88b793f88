// The benchmark's private redis-server (loopback, free port, no persistence) and INFO parsing.

const { execFileSync, spawn } = require('node:child_process')
const { mkdtempSync, rmSync } = require('node:fs')
const { createServer } = require('node:net')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { Redis } = require('ioredis')

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function redisVersion() {
  try {
    const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' })
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim()
  } catch {
    throw new Error(
      'The benchmark starts its own redis-server, and none was found on PATH. Install Redis 7 ' +
        '(Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) and run again.',
    )
  }
}

/** Starts redis-server on 127.0.0.1:<free port>; `track(child)` registers it for cleanup. */
async function startRedis(track) {
  const version = redisVersion()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-bench-'))
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      // keyguard's recommended setting (docs/operations.md): the hot hash's packed fields are
      // longer than the default 64 bytes, and would turn it into a hashtable, twice the memory.
      '--hash-max-listpack-value',
      '256',
    ],
    { stdio: 'ignore' },
  )
  track(child, () => rmSync(dir, { recursive: true, force: true }))
  const url = `redis://127.0.0.1:${port}`
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  admin.on('error', () => {})
  const deadline = Date.now() + 10000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    try {
      await admin.connect()
      await admin.ping()
      break
    } catch (error) {
      admin.disconnect()
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING: ${error}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { url, port, version, child, admin }
}

/** Commands the benchmark itself sends on the admin connection; never counted. */
const ADMIN = /^(info|config\|.*|ping|memory\|.*|scan|dbsize|type)$/

/** `INFO commandstats` as { command: { calls, usec } }, admin commands left out. */
async function commandStats(admin) {
  const text = await admin.info('commandstats')
  const stats = {}
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim())
    if (m && !ADMIN.test(m[1])) stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) }
  }
  return stats
}

/** Redis server CPU time (user + sys), in microseconds. */
async function redisCpuMicros(admin) {
  const text = await admin.info('cpu')
  const get = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0)
  return Math.round((get('used_cpu_user') + get('used_cpu_sys')) * 1e6)
}

module.exports = { startRedis, commandStats, redisCpuMicros, freePort }
