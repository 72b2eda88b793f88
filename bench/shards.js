// `node bench/shards.js`: the same verification load on Redis Clusters of 1, 2 and 3 masters, to check that throughput grows with shards.

// Each run: a fresh cluster (no replicas), 1,000 keys spread over the slots, then WORKERS processes
// that each keep CONCURRENCY verifications in flight (RedisStore.verify on an ioredis Cluster) for
// SECONDS. Reports verifications per second, and the Redis CPU per verification from INFO
// commandstats. Writes bench/out/shards.json. Flags: --seconds N, --workers N, --masters 1,2,3.

const { fork } = require('node:child_process')
const { mkdirSync, writeFileSync } = require('node:fs')
const { cpus } = require('node:os')
const { join } = require('node:path')
const { Cluster, Redis } = require('ioredis')
const kg = require('../dist')
const { startCluster } = require('./cluster')

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const SECONDS = Number(flag('seconds', 10))
const WORKERS = Number(flag('workers', 2))
const CONCURRENCY = 256
const KEYS = 1000
const MASTERS = String(flag('masters', '1,2,3')).split(',').map(Number)

const clusterOf = (ports) => {
  const cluster = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  )
  cluster.on('error', () => {})
  return new Promise((resolve) => cluster.once('ready', () => resolve(cluster)))
}

/** Worker: verifies in a closed loop, CONCURRENCY at a time, and reports how many it did. */
async function worker() {
  const { ports, tokens, seconds } = await new Promise((r) => process.once('message', r))
  const cluster = await clusterOf(ports)
  const store = new kg.RedisStore({ client: cluster, prefix: 'shards:', commandTimeout: 5000 })
  const requests = tokens.map((token) => {
    const parsed = kg.parseToken(token, 'kg')
    return { ...parsed, hash: kg.hashToken(token), cost: 1, scopes: [] }
  })
  let done = 0
  let errors = 0
  let running = true
  process.send({ ready: true })
  await new Promise((r) => process.once('message', r))
  const endAt = Date.now() + seconds * 1000
  // Each lane owns its own keys: no two verifications of one key meet in a batch, so every run
  // makes one script call per verification, whatever the number of shards.
  const lane = async (i) => {
    const own = requests.filter((_, j) => j % CONCURRENCY === i)
    for (let n = 0; running && own.length > 0; n++) {
      try {
        await store.verify(own[n % own.length])
        done++
      } catch {
        errors++
      }
      if (Date.now() >= endAt) running = false
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lane(i)))
  process.send({ done, errors })
  await store.close()
  cluster.disconnect()
  process.exit(0)
}

async function verifyStats(ports) {
  let calls = 0
  let usec = 0
  for (const port of ports) {
    const client = new Redis(port, '127.0.0.1')
    const info = await client.info('commandstats')
    client.disconnect()
    for (const name of ['evalsha', 'eval']) {
      const m = new RegExp(`cmdstat_${name}:calls=(\\d+),usec=(\\d+)`).exec(info)
      if (m) {
        calls += Number(m[1])
        usec += Number(m[2])
      }
    }
  }
  return { calls, usec }
}

async function measure(masters) {
  const { ports, stop } = await startCluster(masters)
  try {
    const cluster = await clusterOf(ports)
    const store = new kg.RedisStore({ client: cluster, prefix: 'shards:', commandTimeout: 10000 })
    const keys = new kg.KeyManager(store)
    const tokens = []
    for (let i = 0; i < KEYS; i++) {
      const { data } = await keys.create({ name: `k${i}`, user_id: `user-${i}` })
      tokens.push(data.api_key)
    }
    await store.close()
    cluster.disconnect()
    for (const port of ports) {
      const client = new Redis(port, '127.0.0.1')
      await client.config('RESETSTAT')
      client.disconnect()
    }
    const children = Array.from({ length: WORKERS }, () => fork(__filename, ['--worker']))
    await Promise.all(
      children.map((child, w) => {
        child.send({ ports, tokens: tokens.filter((_, i) => i % WORKERS === w), seconds: SECONDS })
        return new Promise((r) => child.once('message', r))
      }),
    )
    const started = Date.now()
    const results = await Promise.all(
      children.map((child) => {
        child.send('go')
        return new Promise((r) => child.once('message', r))
      }),
    )
    const elapsed = (Date.now() - started) / 1000
    const done = results.reduce((s, r) => s + r.done, 0)
    const errors = results.reduce((s, r) => s + r.errors, 0)
    const stats = await verifyStats(ports)
    return {
      masters,
      verificationsPerSecond: Math.round(done / elapsed),
      errors,
      scriptCalls: stats.calls,
      tokensPerCall: Number((done / Math.max(1, stats.calls)).toFixed(1)),
      redisUsecPerVerification: Number((stats.usec / Math.max(1, done)).toFixed(1)),
    }
  } finally {
    await stop()
  }
}

async function main() {
  const runs = []
  for (const masters of MASTERS) {
    const result = await measure(masters)
    runs.push(result)
    console.log(JSON.stringify(result))
  }
  const base = runs[0]?.verificationsPerSecond ?? 1
  for (const r of runs) r.ratio = Number((r.verificationsPerSecond / base).toFixed(2))
  const report = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores ${process.arch}, Node ${process.versions.node}`,
    seconds: SECONDS,
    workers: WORKERS,
    concurrencyPerWorker: CONCURRENCY,
    keys: KEYS,
    runs,
  }
  mkdirSync(join(__dirname, 'out'), { recursive: true })
  writeFileSync(join(__dirname, 'out', 'shards.json'), `${JSON.stringify(report, null, 2)}\n`)
  console.table(runs)
}

if (process.argv.includes('--worker')) worker()
else
  main().catch((error) => {
    console.error(`bench/shards.js failed: ${error.stack ?? error}`)
    process.exit(1)
  })
