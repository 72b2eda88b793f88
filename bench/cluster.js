// A Redis Cluster of N masters (no replicas) on loopback for bench/shards.js: free ports, `redis-cli --cluster create`, stopped at the end.

const { execFile, spawn } = require('node:child_process')
const { mkdtempSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { promisify } = require('node:util')
const { freePort } = require('./redis')

const run = promisify(execFile)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function ping(port) {
  for (let i = 0; i < 200; i++) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'])
      if (stdout.trim() === 'PONG') return
    } catch {}
    await sleep(50)
  }
  throw new Error(`redis-server on ${port} did not start`)
}

/** Starts `masters` cluster nodes and joins them; resolves to { ports, stop }. */
async function startCluster(masters) {
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-shards-'))
  const children = []
  const ports = []
  const busPorts = []
  for (let i = 0; i < masters; i++) {
    const port = await freePort()
    const bus = await freePort()
    ports.push(port)
    busPorts.push(bus)
    const args = ['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1']
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`)
    args.push(
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--cluster-announce-ip',
      '127.0.0.1',
    )
    children.push(spawn('redis-server', args, { stdio: 'ignore' }))
  }
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((r) => {
            if (c.exitCode !== null) return r()
            c.once('exit', r)
            c.kill('SIGKILL')
          }),
      ),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await Promise.all(ports.map(ping))
    const addresses = ports.map((p) => `127.0.0.1:${p}`)
    if (masters >= 3) {
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'])
    } else {
      // redis-cli creates clusters of 3 masters or more: smaller ones get their slots by hand.
      for (const [i, port] of ports.entries()) {
        const from = Math.floor((i * 16384) / masters)
        const to = Math.floor(((i + 1) * 16384) / masters) - 1
        await run(
          'redis-cli',
          ['-p', String(port), 'cluster', 'addslotsrange', from, to].map(String),
        )
        // The bus port is named: it is not the default port + 10000 here.
        if (i > 0) {
          const meet = ['cluster', 'meet', '127.0.0.1', ports[0], busPorts[0]].map(String)
          await run('redis-cli', ['-p', String(port), ...meet])
        }
        await run('redis-cli', [
          '-p',
          String(port),
          'cluster',
          'meet',
          '127.0.0.1',
          String(ports[0]),
        ])
      }
    }
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(
        ports.map((p) =>
          run('redis-cli', ['-p', String(p), 'cluster', 'info']).then((r) => r.stdout),
        ),
      )
      if (
        states.every(
          (s) => s.includes('cluster_state:ok') && s.includes(`cluster_known_nodes:${masters}`),
        )
      )
        return { ports, stop }
      await sleep(100)
    }
    throw new Error(`the ${masters}-master cluster did not come up`)
  } catch (error) {
    await stop()
    throw error
  }
}

module.exports = { startCluster }
