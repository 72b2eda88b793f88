// Starts a real Redis Cluster on loopback (masters + replicas, `redis-cli --cluster create`), with kill, restart and topology.

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort, HOW_TO_GET_REDIS, hasRedisServerBinary } from './redis-server'

const run = promisify(execFile)

export interface ClusterNodeProcess {
  readonly port: number
  /** Whether its redis-server runs (false after `kill`). */
  readonly alive: boolean
  /** SIGKILL, as `kill -9`: no goodbye to the cluster. */
  kill(): Promise<void>
  /** Starts it again with its own nodes.conf: it rejoins (a former master, as a replica). */
  restart(): Promise<void>
  /** A client of its own (closed by `stop()`), for INFO, DEBUG, CLIENT and CLUSTER commands. */
  client(): Redis
}

export interface ShardView {
  masterPort: number
  replicaPorts: number[]
  /** Slot ranges, inclusive. */
  slots: Array<[number, number]>
}

export interface RedisClusterHandle {
  nodes: ClusterNodeProcess[]
  /** Seed addresses for `new Cluster(seeds)`. */
  seeds: Array<{ host: string; port: number }>
  /** Masters with their replicas and slots, as a live node sees them now. */
  shards(): Promise<ShardView[]>
  /** Waits until every live node says cluster_state:ok and agrees on the masters, and every replica is in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>
  node(port: number): ClusterNodeProcess
  stop(): Promise<void>
}

export interface ClusterSettings {
  masters?: number
  replicasPerMaster?: number
  /** cluster-node-timeout, in ms. Defaults to 1000. */
  nodeTimeoutMs?: number
  /** More redis-server arguments for every node. */
  args?: string[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'])
      if (stdout.trim() === 'PONG') return
    } catch {
      // not up yet
    }
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`)
}

/** CLUSTER NODES, parsed: the masters that are not failed, with their replicas and slots. */
export function parseClusterNodes(text: string): ShardView[] {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
  const portOf = (addr: string) => Number(addr.split('@')[0]?.split(':')[1])
  const masters = new Map<string, ShardView>()
  for (const f of lines) {
    const flags = f[2] ?? ''
    if (!flags.includes('master') || flags.includes('fail')) continue
    const slots: Array<[number, number]> = []
    for (const range of f.slice(8)) {
      if (range.startsWith('[')) continue
      const [a, b] = range.split('-').map(Number)
      slots.push([a as number, (b ?? a) as number])
    }
    if (slots.length > 0)
      masters.set(f[0] as string, { masterPort: portOf(f[1] ?? ''), replicaPorts: [], slots })
  }
  for (const f of lines) {
    const flags = f[2] ?? ''
    if (!flags.includes('slave') || flags.includes('fail')) continue
    masters.get(f[3] ?? '')?.replicaPorts.push(portOf(f[1] ?? ''))
  }
  return [...masters.values()].sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0))
}

export async function startRedisCluster(
  settings: ClusterSettings = {},
): Promise<RedisClusterHandle> {
  if (!hasRedisServerBinary()) throw new Error(HOW_TO_GET_REDIS)
  const masters = settings.masters ?? 3
  const replicas = settings.replicasPerMaster ?? 1
  const total = masters * (1 + replicas)
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-cluster-'))
  const clients: Redis[] = []
  const nodes: Array<ClusterNodeProcess & { start(): Promise<void> }> = []

  for (let i = 0; i < total; i++) {
    const port = await freePort()
    const busPort = await freePort()
    const args = [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(settings.nodeTimeoutMs ?? 1000),
      '--cluster-require-full-coverage',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...(settings.args ?? []),
    ]
    let child: ChildProcess | null = null
    const node = {
      port,
      get alive() {
        return child !== null && child.exitCode === null && child.signalCode === null
      },
      async start() {
        child = spawn('redis-server', args, { stdio: 'ignore' })
        await waitForPing(port, child)
      },
      async kill() {
        const c = child
        if (c === null || c.exitCode !== null || c.signalCode !== null) return
        const exited = new Promise((r) => c.once('exit', r))
        try {
          process.kill(c.pid as number, 'SIGCONT')
        } catch {}
        c.kill('SIGKILL')
        await exited
      },
      async restart() {
        await node.kill()
        await node.start()
      },
      client() {
        const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: false })
        client.on('error', () => {})
        clients.push(client)
        return client
      },
    }
    nodes.push(node)
  }
  await Promise.all(nodes.map((n) => n.start()))

  /** Every live replica has a link up to its master: a failover to it loses nothing written before. */
  const replicasInSync = async (): Promise<boolean> => {
    for (const n of nodes) {
      if (!n.alive) continue
      try {
        const { stdout } = await run('redis-cli', ['-p', String(n.port), 'info', 'replication'])
        if (stdout.includes('role:slave') && !stdout.includes('master_link_status:up')) return false
        if (stdout.includes('master_sync_in_progress:1')) return false
      } catch {
        return false
      }
    }
    return true
  }

  const handle: RedisClusterHandle = {
    nodes,
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    node: (port) => {
      const found = nodes.find((n) => n.port === port)
      if (!found) throw new Error(`no cluster node on port ${port}`)
      return found
    },
    async shards() {
      for (const n of nodes) {
        if (!n.alive) continue
        try {
          const { stdout } = await run('redis-cli', ['-p', String(n.port), 'cluster', 'nodes'])
          return parseClusterNodes(stdout)
        } catch {}
      }
      throw new Error('no live cluster node answered CLUSTER NODES')
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < deadline) {
        const live = nodes.filter((n) => n.alive)
        const states = await Promise.all(
          live.map(async (n) => {
            try {
              const info = await run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])
              const nodesText = await run('redis-cli', ['-p', String(n.port), 'cluster', 'nodes'])
              const shards = parseClusterNodes(nodesText.stdout)
              const ok = info.stdout.includes('cluster_state:ok')
              return `${ok}|${shards.map((s) => `${s.masterPort}:${s.slots.length}`).join(',')}`
            } catch {
              return 'down'
            }
          }),
        )
        last = states.join(' ; ')
        const first = states[0]
        const masterCount = first?.split('|')[1]?.split(',').length ?? 0
        if (
          first?.startsWith('true|') &&
          states.every((s) => s === first) &&
          masterCount === masters
        ) {
          if (await replicasInSync()) return
          last = 'a replica is still syncing'
        }
        await sleep(100)
      }
      throw new Error(`the cluster did not become healthy in ${timeoutMs} ms: ${last}`)
    },
    async stop() {
      for (const c of clients) c.disconnect()
      await Promise.all(nodes.map((n) => n.kill()))
      rmSync(dir, { recursive: true, force: true })
    },
  }

  try {
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    )
    await handle.waitHealthy()
  } catch (error) {
    await handle.stop()
    throw error
  }
  return handle
}
