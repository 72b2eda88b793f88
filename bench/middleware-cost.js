// `npm run bench:middleware`: the guard's own Node CPU per request, without HTTP or a load generator.
//
// Calls apiKeyGuard directly with node:http request and response objects (no socket I/O), 32 at
// a time as 32 connections would, on MemoryStore and on RedisStore (a private redis-server),
// then emits each response's 'close' so the request log runs too. What it prints is the guard's
// work alone (verification, headers, req.apiKey, log entry; for Redis also ioredis and the
// batch's socket calls), which the HTTP benchmark can only show as a difference between two
// noisy servers. Bounded: 5 measured rounds of `--rounds` batches each (default 1000).

const http = require('node:http')
const { Socket } = require('node:net')
const { join } = require('node:path')
const { killAll, track } = require('./children')
const { createBenchKeys } = require('./keys')
const { startRedis } = require('./redis')

const BATCH = 32
const REPS = 5

function argValue(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  if (!arg) return fallback
  const value = Number(arg.slice(name.length + 3))
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a whole number of 1 or more, e.g. --${name}=1000`)
  }
  return value
}

/** Median CPU µs per request of `rounds` batches, over REPS measured repetitions. */
async function measure(kg, store, rounds) {
  const { hot } = await createBenchKeys(kg, store, 0)
  const guard = kg.apiKeyGuard({ store })
  const socket = new Socket()
  const one = () => {
    const req = new http.IncomingMessage(socket)
    req.headers = { authorization: `Bearer ${hot}`, host: 'localhost' }
    req.method = 'GET'
    req.url = '/'
    req.originalUrl = '/'
    Object.defineProperty(req, 'ip', { value: '127.0.0.1' })
    const res = new http.ServerResponse(req)
    return new Promise((resolve, reject) =>
      guard(req, res, (error) => (error ? reject(error) : resolve(res))),
    )
  }
  const batch = async () => {
    const pending = []
    for (let i = 0; i < BATCH; i++) pending.push(one())
    for (const res of await Promise.all(pending)) {
      res.statusCode = 200
      res.emit('close')
    }
  }
  for (let i = 0; i < 300; i++) await batch()
  const perRequest = []
  for (let rep = 0; rep < REPS; rep++) {
    const start = process.cpuUsage()
    for (let i = 0; i < rounds; i++) await batch()
    const used = process.cpuUsage(start)
    perRequest.push((used.user + used.system) / (rounds * BATCH))
  }
  await kg.flushRequestLogs(store)
  perRequest.sort((a, b) => a - b)
  return perRequest
}

async function main() {
  const rounds = argValue('rounds', 1000)
  const kg = require(join(__dirname, '..', 'dist'))
  const redis = await startRedis(track)
  const stores = {
    MemoryStore: () => new kg.MemoryStore(),
    RedisStore: () => new kg.RedisStore({ url: redis.url, prefix: 'kgcost:' }),
  }
  console.log(`apiKeyGuard alone, Node CPU per request (${BATCH} at a time, ${REPS} rounds):`)
  for (const [name, make] of Object.entries(stores)) {
    const store = make()
    const all = await measure(kg, store, rounds)
    await store.close()
    const shown = all.map((x) => x.toFixed(1)).join(', ')
    console.log(
      `  ${name.padEnd(12)} median ${all[Math.floor(REPS / 2)].toFixed(1)} µs  (rounds: ${shown})`,
    )
  }
  redis.admin.disconnect()
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
  .finally(killAll)
