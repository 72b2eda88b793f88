// `npm run bench`: keyguard against express-rate-limit and rate-limiter-flexible, side by side.

// Flags are listed in options.js. A private redis-server, loopback only, bounded in time; every
// child process is stopped at the end. Writes bench/out/results.json and bench/out/chart.svg.

const { fork } = require('node:child_process')
const { join } = require('node:path')
const kg = require('../dist')
const { ask, killAll, nextId, stopChild, track } = require('./children')
const { combine, derive } = require('./figures')
const { machine } = require('./host')
const { clientAddresses, createBenchKeys, malformedTokens } = require('./keys')
const { keyguardMemory } = require('./memory')
const { CLIENT_IPS, CONNECTIONS, KEYS, MALFORMED, parse } = require('./options')
const { variantsFor } = require('./peers')
const { compareProfiles } = require('./profile')
const { startRedis } = require('./redis')
const { markdown, printResults, saveResults } = require('./report')
const { measureAll, prewarm, SCENARIOS } = require('./rounds')
const { isolatedScripts } = require('./scripts')
const { startServer, stopServer } = require('./servers')
const { targets } = require('./targets')

const opts = parse(process.argv.slice(2))
const { mode } = opts
const log = (...a) => console.log(...a)

function describe(info, redis, date) {
  log(`keyguard benchmark, ${mode.name} mode${opts.profile ? ' with CPU profiles' : ''}, ${date}`)
  log(
    `machine: ${info.cores} cores (${info.cpu}), ${info.memoryGB} GB, ${info.platform}; ` +
      `Node ${info.node}, Redis ${info.redis}`,
  )
  if (info.cores <= 2) {
    log(
      `note: only ${info.cores} cores: the server under test, the autocannon process and ` +
        'redis-server share them, so absolute figures are low and ratios are what matter.',
    )
  }
  log(
    `rounds: ${mode.prewarm} s warm-up per server; then per variant and scenario ` +
      `${mode.warmup} s warm-up + ${mode.measure} s measured` +
      (mode.reps > 1
        ? `, ${mode.reps} interleaved repetitions (later warm-ups ${mode.rewarm} s), median reported`
        : '') +
      `; ${CONNECTIONS} connections, loopback only; private redis-server on port ${redis.port}`,
  )
}

/** The keys in Redis, made through KeyManager, and the load generator holding their tokens. */
async function setup(redis) {
  const setupStart = Date.now()
  const store = new kg.RedisStore({ url: redis.url, autoPipelining: true, commandTimeout: 30000 })
  const redisTokens = await createBenchKeys(kg, store, KEYS)
  await store.close()
  const malformed = malformedTokens(redisTokens.many, MALFORMED)
  for (const t of malformed) {
    if (kg.parseToken(t, 'kg') !== null) throw new Error(`"${t}" is not malformed`)
  }
  log(
    `setup: ${KEYS.toLocaleString('en-US')} + 2 keyguard keys created in Redis through KeyManager ` +
      `in ${((Date.now() - setupStart) / 1000).toFixed(1)} s\n`,
  )
  const load = track(
    fork(join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  await ask(load, {}, 'ready', 30000)
  await ask(
    load,
    {
      type: 'tokens',
      id: nextId(),
      sets: {
        'redis:hot': [redisTokens.hot],
        'redis:many': redisTokens.many,
        'redis:rejected': [redisTokens.reject],
        // Many client addresses, so keyguard's per-IP blocking (20 failures) never hides their cost.
        malformed: { tokens: malformed, ips: clientAddresses(CLIENT_IPS) },
      },
    },
    'tokens',
    30000,
  )
  return { redisTokens, load }
}

async function main() {
  const t0 = Date.now()
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s in`
  const hardLimit = setTimeout(() => {
    console.error(`bench: still running after ${mode.limitS} s; stopping everything`)
    killAll()
    process.exit(2)
  }, mode.limitS * 1000)

  const variants = variantsFor(opts)
  const redis = await startRedis(track)
  const info = machine(redis.version)
  const date = new Date().toISOString()
  describe(info, redis, date)
  const { redisTokens, load } = await setup(redis)
  const ctx = {
    opts,
    redis,
    load,
    tokens: { redis: redisTokens },
    failures: [],
    peerMemory: {},
    quietBudgetMs: opts.quick ? 0 : 15000,
  }
  // Servers start side by side (nothing is measured yet), then each gets its JIT warm-up alone.
  const servers = await Promise.all(variants.map((variant) => startServer(variant, ctx)))
  log(`servers started (${since()})`)
  await prewarm(servers, ctx)
  log(`servers: ${servers.length} variants, one process each, started and warmed up (${since()})\n`)
  const { raw, retries } = await measureAll(servers, ctx)
  const profiles = new Map()
  for (const server of servers) await stopServer(server, ctx, profiles)
  compareProfiles(profiles)
  await stopChild(load)

  let isolated = null
  if (!opts.profile && !opts.only && !opts.onlyScenarios) {
    log(`\nscripts alone: each limiter driven directly on the same Redis (${since()}) ...`)
    isolated = await isolatedScripts(ctx, opts.quick ? 2000 : 10000, opts.quick ? 1 : 2)
  }
  let memory = null
  if (variants.some((v) => v.id === 'f' || v.id === 'f-ap') && !opts.profile && opts.memory) {
    log(`memory: filling every window of the keys, store clock override (${since()}) ...`)
    memory = { keyguard: await keyguardMemory(ctx), peers: ctx.peerMemory }
  }

  const rounds = derive(combine(raw))
  const goals = targets(rounds, memory, isolated)
  const elapsed = (Date.now() - t0) / 1000
  printResults({ rounds, variants, isolated, memory, goals })

  const results = {
    meta: {
      date,
      command: `npm run bench${opts.quick ? ' -- --quick' : ''}`,
      mode: mode.name,
      repetitions: mode.reps,
      prewarmSeconds: mode.prewarm,
      warmupSeconds: mode.warmup,
      rewarmSeconds: mode.rewarm,
      measureSeconds: mode.measure,
      connections: CONNECTIONS,
      keys: KEYS,
      malformedTokens: MALFORMED,
      elapsedSeconds: elapsed,
      remeasuredRounds: retries,
      machine: info,
    },
    variants: variants.map(({ id, label }) => ({ id, label })),
    scenarios: SCENARIOS.map(({ id, label }) => ({ id, label })),
    rounds,
    raw: raw.map((r) => ({ ...r, commandstats: undefined })),
    isolatedScripts: isolated,
    memory,
    targets: goals,
    failures: ctx.failures,
  }
  const subtitle = `${info.cores} cores, Node ${info.node}, Redis ${info.redis}, ${CONNECTIONS} connections, ${mode.measure} s rounds, ${date.slice(0, 10)}`
  saveResults(results, opts, { variants, subtitle })
  log(`done in ${elapsed.toFixed(1)} s`)
  clearTimeout(hardLimit)
  redis.admin.disconnect()
  killAll()
  if (ctx.failures.length > 0) {
    console.error(`\nbench: ${ctx.failures.length} problem(s):\n  ${ctx.failures.join('\n  ')}`)
    process.exitCode = 1
  }
}

if (opts.markdown) {
  markdown(opts.out)
  process.exit(0)
}

main().catch((error) => {
  console.error('bench failed:', error)
  killAll()
  process.exit(1)
})
