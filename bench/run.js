// `npm run bench [-- --quick] [-- --profile]`: keyguard against express-rate-limit and
// rate-limiter-flexible, side by side, on a private redis-server. Writes bench/results.json
// and bench/chart.svg. Loopback only; every child process is stopped at the end.

const { execFileSync, fork } = require('node:child_process')
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const os = require('node:os')
const { join, resolve } = require('node:path')
const kg = require('../dist')
const { createBenchKeys, malformedTokens, pool } = require('./keys')
const { formatDiff, formatSummary, summarize } = require('./profile')
const { commandStats, redisCpuMicros, startRedis } = require('./redis')
const report = require('./report')

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const PROFILE = args.includes('--profile')
const ONLY = args
  .find((a) => a.startsWith('--variants='))
  ?.slice(11)
  .split(',')

const ALT = args.find((a) => a.startsWith('--alt='))?.slice(6)
/** `--out=FILE`: the results of this run (complete or not) go there, and the chart is not drawn. */
const OUT = args.find((a) => a.startsWith('--out='))?.slice(6)
const ONLY_SCENARIOS = args
  .find((a) => a.startsWith('--scenarios='))
  ?.slice(12)
  .split(',')

// prewarm: once per server, before any round (lets the JIT settle); warmup: before the first
// measured round of each variant and scenario; rewarm: before each later repetition.
const MODE = QUICK
  ? {
      name: 'quick',
      reps: 1,
      prewarm: 0.3,
      warmup: 0.2,
      rewarm: 0.2,
      measure: 0.7,
      settle: 30,
      fillKeys: 150,
      retries: 1,
      quietWaitS: 0,
    }
  : {
      name: 'full',
      reps: 3,
      prewarm: 1.5,
      warmup: 0.5,
      rewarm: 0.3,
      measure: 1.2,
      settle: 30,
      fillKeys: 10000,
      retries: 4,
      quietWaitS: 3,
    }
if (PROFILE) Object.assign(MODE, { reps: 1, prewarm: 2, warmup: 1, measure: 5 })
const REPS = args.find((a) => a.startsWith('--reps='))
if (REPS) MODE.reps = Math.max(1, Math.min(10, Number(REPS.slice(7)) || 1))
MODE.limitS = (QUICK ? 120 : 600) * Math.max(1, MODE.reps / (QUICK ? 1 : 3))
const CONNECTIONS = 32
/** A round during which other processes used more CPU than this (in cores) is measured again. */
const MAX_OTHER = 0.3
const KEYS = 10000
const MALFORMED = 1000
const CLIENT_IPS = 20000

/** Distinct documentation-range client addresses (198.18.0.0/15, RFC 2544). */
function clientAddresses(count) {
  return Array.from(
    { length: count },
    (_, i) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
  )
}
const HERE = __dirname
const TMP = join(HERE, '.tmp')

const VARIANTS = [
  { id: 'a', short: '(a) express', label: '(a) Express, no middleware', kind: 'none' },
  { id: 'b', short: '(b) erl-memory', label: '(b) express-rate-limit, MemoryStore', kind: 'peer' },
  {
    id: 'c',
    short: '(c) erl-redis',
    label: '(c) express-rate-limit + rate-limit-redis',
    kind: 'peer',
    redis: true,
  },
  {
    id: 'd',
    short: '(d) rlf-redis',
    label: '(d) rate-limiter-flexible RateLimiterRedis',
    kind: 'peer',
    redis: true,
  },
  { id: 'e', short: '(e) kg-memory', label: '(e) keyguard, MemoryStore', kind: 'keyguard' },
  {
    id: 'f',
    short: '(f) kg-redis',
    label: '(f) keyguard, RedisStore',
    kind: 'keyguard',
    redis: true,
  },
  {
    id: 'f-ap',
    short: '(f) kg-redis-ap',
    label: '(f) keyguard, RedisStore + autoPipelining',
    kind: 'keyguard',
    redis: true,
  },
]
if (ALT) {
  VARIANTS.push({
    id: 'f-alt',
    short: "(f') kg-redis alt",
    label: "(f') keyguard build under test (--alt), RedisStore",
    kind: 'keyguard',
    redis: true,
  })
}
const SCENARIOS = [
  { id: 'hot', short: 'hot key', label: 'one hot key' },
  { id: 'many', short: '10k keys', label: '10,000 keys' },
  { id: 'rejected', short: 'rejected', label: 'rejected flood' },
  { id: 'malformed', short: 'malformed', label: 'malformed tokens' },
]

function expectedStatus(variant, scenario) {
  if (scenario === 'rejected') return { keyguard: 401, peer: 429, none: 200 }[variant.kind]
  if (scenario === 'malformed') return variant.kind === 'keyguard' ? 401 : 200
  return 200
}

// ---- child processes: every one is tracked and killed on the way out, whatever happens ----

const children = new Set()
function track(child, after) {
  const entry = { child, after }
  children.add(entry)
  child.once('exit', () => {
    children.delete(entry)
    after?.()
  })
  return child
}

function killAll() {
  for (const { child, after } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {}
    }
    try {
      after?.()
    } catch {}
  }
  children.clear()
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping every child process`)
    killAll()
    process.exit(130)
  })
}

/** Sends `msg` and resolves with the child's next message of type `reply`. */
function ask(child, msg, reply, timeoutMs) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m?.type !== reply || (msg.id !== undefined && m.id !== msg.id)) return
      done()
      if (m.error) reject(new Error(m.error))
      else resolve(m)
    }
    const onExit = (code) => {
      done()
      reject(new Error(`child exited (code ${code}) while waiting for "${reply}"`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no "${reply}" from child within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
    if (msg.type) child.send(msg)
  })
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  try {
    child.send({ type: 'exit' })
  } catch {}
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const log = (...a) => console.log(...a)

// ---- machine ----

function machine(redisVersion) {
  let cores = os.availableParallelism?.() ?? os.cpus().length
  try {
    cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cores
  } catch {}
  return {
    cores,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redisVersion,
  }
}

// ---- CPU used by anything else on the machine during a round (Linux /proc/stat) ----

function machineBusyMicros() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number)
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1e6) / 100
  } catch {
    return null
  }
}

/**
 * Before a measured round, while everything of ours is idle: if other processes keep more than
 * MAX_OTHER cores busy, wait for them (bounded per round and per run). Returns the cores seen.
 */
async function quietGate(ctx) {
  const sample = async () => {
    const before = machineBusyMicros()
    await sleep(200)
    const after = machineBusyMicros()
    return before === null || after === null ? 0 : (after - before) / 200000
  }
  let busy = await sample()
  const deadline = Date.now() + Math.min(MODE.quietWaitS * 1000, ctx.quietBudgetMs)
  while (busy > MAX_OTHER && Date.now() < deadline) {
    await sleep(300)
    busy = await sample()
  }
  return busy
}

// ---- servers: one process per variant, all started up front so rounds can be interleaved ----

let nextId = 1
async function startServer(variant, ctx) {
  const execArgv = []
  if (PROFILE) {
    const dir = join(TMP, `prof-${variant.id}`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  const child = track(
    fork(join(HERE, 'server.js'), [variant.id], {
      execArgv,
      env: {
        ...process.env,
        BENCH_REDIS_URL: ctx.redis.url,
        BENCH_REJECT_TOKEN: ctx.tokens.redis.reject,
        BENCH_KEYS: String(KEYS),
        ...(ALT ? { BENCH_ALT: resolve(ALT) } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const ready = await ask(child, {}, 'ready', 120000)
  let group = 'redis'
  if (ready.tokens) {
    // keyguard on MemoryStore made its own keys, in its own process.
    group = `tokens-${variant.id}`
    await ask(
      ctx.load,
      {
        type: 'tokens',
        id: nextId++,
        sets: {
          [`${group}:hot`]: [ready.tokens.hot],
          [`${group}:many`]: ready.tokens.many,
          [`${group}:rejected`]: [ready.tokens.reject],
        },
      },
      'tokens',
      30000,
    )
  }
  return { variant, child, group, url: `http://127.0.0.1:${ready.port}/` }
}

async function stopServer(server, profiles) {
  const last = await ask(server.child, { type: 'snapshot', reset: false }, 'snapshot', 10000)
  await stopChild(server.child)
  if (!PROFILE) return
  const dir = join(TMP, `prof-${server.variant.id}`)
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) return
  const summary = summarize(join(dir, file), last.lifetime)
  profiles.set(server.variant.id, summary)
  const text = formatSummary(`CPU profile, ${server.variant.label}`, summary)
  writeFileSync(join(TMP, `profile-${server.variant.id}.txt`), `${text}\n`)
  log(`\n${text}\n  (profile: bench/.tmp/prof-${server.variant.id}/${file})`)
}

/** One warm-up and one measured round of one variant in one scenario. */
async function measure(server, scenario, rep, ctx) {
  const { variant } = server
  const set = scenario.id === 'malformed' ? 'malformed' : `${server.group}:${scenario.id}`
  const drive = (duration) =>
    ask(
      ctx.load,
      { type: 'round', id: nextId++, url: server.url, set, duration, connections: CONNECTIONS },
      'round',
      (duration + 60) * 1000,
    )
  await drive(rep === 0 ? MODE.warmup : MODE.rewarm)
  await sleep(MODE.settle)
  if (MODE.quietWaitS > 0 && ctx.quietBudgetMs > 0) {
    const waitStart = Date.now()
    await quietGate(ctx)
    ctx.quietBudgetMs -= Math.max(0, Date.now() - waitStart - 200)
  }
  await ctx.redis.admin.config('RESETSTAT')
  const cpuBefore = await redisCpuMicros(ctx.redis.admin)
  await ask(server.child, { type: 'snapshot', reset: true }, 'snapshot', 10000)
  const busyBefore = machineBusyMicros()
  const { result } = await drive(MODE.measure)
  const busyAfter = machineBusyMicros()
  await sleep(MODE.settle)
  const snap = await ask(server.child, { type: 'snapshot', reset: false }, 'snapshot', 10000)
  const cpuAfter = await redisCpuMicros(ctx.redis.admin)
  const stats = await commandStats(ctx.redis.admin)
  // What the server still writes in the background goes now, not into the next round.
  await ask(server.child, { type: 'drain' }, 'drained', 60000)
  const ours = snap.cpuMicros + result.loadCpuMicros + (cpuAfter - cpuBefore)
  const otherCores =
    busyBefore === null || busyAfter === null
      ? null
      : Math.max(0, busyAfter - busyBefore - ours) / (result.seconds * 1e6)
  const expected = expectedStatus(variant, scenario.id)
  const share = (result.status[expected] ?? 0) / Math.max(1, result.requests)
  const scripts = (stats.evalsha?.calls ?? 0) + (stats.eval?.calls ?? 0)
  const sent = Object.values(snap.scripts ?? {}).reduce((x, y) => x + y, 0)
  const limiter = snap.verifySha ? (snap.scripts?.[snap.verifySha] ?? 0) : sent
  log(
    `  ${variant.short.padEnd(16)} ${scenario.short.padEnd(10)} ${report.int(result.rps).padStart(7)} req/s` +
      `  p50 ${report.fix(result.p50, 2)} ms  p99 ${report.fix(result.p99, 2)} ms` +
      `  ${report.fix(100 * share, 1)}% ${expected}` +
      (variant.redis
        ? `  verify/req ${report.fix(limiter / snap.requests, 3)}, scripts/req ${report.fix(scripts / snap.requests, 3)}`
        : '') +
      (otherCores !== null && otherCores > 0.1
        ? `  (other processes used ${report.fix(otherCores, 2)} cores)`
        : ''),
  )
  if (share < 0.995 || result.errors > 0) {
    ctx.failures.push(
      `${variant.label}, ${scenario.label}: ${report.fix(100 * share, 2)}% of answers were ${expected} ` +
        `(${JSON.stringify(result.status)}), ${result.errors} connection errors`,
    )
  }
  if (variant.kind === 'peer' && variant.redis && scenario.id === 'many') {
    ctx.peerMemory[variant.id] = await prefixMemory(
      ctx.redis.admin,
      variant.id === 'c' ? 'rl:*' : 'rlflx*',
    )
  }
  return {
    variant: variant.id,
    scenario: scenario.id,
    rep,
    load: result,
    server: {
      requests: snap.requests,
      redisSent: snap.redisSent,
      cpuMicros: snap.cpuMicros,
      scripts: snap.scripts,
      verifySha: snap.verifySha,
    },
    redisCpuMicros: cpuAfter - cpuBefore,
    otherCores,
    commandstats: stats,
    expectedStatus: expected,
    expectedShare: share,
  }
}

// ---- each limiter's script alone: µs per EVALSHA with no HTTP and no other script around ----

/**
 * Drives the three Redis limiters directly (no HTTP), pipelined, on the same private Redis, and
 * reads each one's EVALSHA cost from INFO commandstats: keyguard's verify.lua (hot key and the
 * 10,000 keys), rate-limiter-flexible's and rate-limit-redis's scripts on the same key strings.
 * The best of two passes is kept (one in --quick).
 */
async function isolatedScripts(ctx, calls, passes) {
  const { Redis } = require('ioredis')
  const { RateLimiterRedis } = require('rate-limiter-flexible')
  const { RedisStore: RateLimitRedisStore } = require('rate-limit-redis')
  const client = new Redis(ctx.redis.url, { enableAutoPipelining: true })
  const store = new kg.RedisStore({
    url: ctx.redis.url,
    autoPipelining: true,
    commandTimeout: 30000,
  })
  const rlf = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: 'iso-rlflx',
    points: 1e9,
    duration: 60,
  })
  const rlr = new RateLimitRedisStore({
    sendCommand: (command, ...rest) => client.call(command, ...rest),
    prefix: 'iso-rl:',
  })
  rlr.init({ windowMs: 60000 })
  const verifyOf = (token) => {
    const p = kg.parseToken(token, 'kg')
    return { id: p.id, tag: p.tag, hash: kg.hashToken(token), cost: 1, scopes: [], type: p.type }
  }
  const hot = [verifyOf(ctx.tokens.redis.hot)]
  const many = ctx.tokens.redis.many.map(verifyOf)
  const cases = [
    ['keyguard verify.lua', 'hot', () => store.verify(hot[0])],
    ['keyguard verify.lua', 'many', (i) => store.verify(many[i % many.length])],
    ['rate-limiter-flexible', 'hot', () => rlf.consume(ctx.tokens.redis.hot)],
    ['rate-limiter-flexible', 'many', (i) => rlf.consume(ctx.tokens.redis.many[i % many.length])],
    ['rate-limit-redis', 'hot', () => rlr.increment(ctx.tokens.redis.hot)],
    ['rate-limit-redis', 'many', (i) => rlr.increment(ctx.tokens.redis.many[i % many.length])],
  ]
  const best = new Map()
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (const [name, scenario, call] of cases) {
        await pool(Math.min(2000, calls), 200, call)
        await ctx.redis.admin.config('RESETSTAT')
        await pool(calls, 200, call)
        const stats = await commandStats(ctx.redis.admin)
        const s = stats.evalsha ?? { calls: 0, usec: 0 }
        const us = s.calls > 0 ? s.usec / s.calls : Number.NaN
        const key = `${name}/${scenario}`
        if (!(best.get(key) <= us)) best.set(key, us)
      }
    }
  } finally {
    await store.close()
    client.disconnect()
  }
  return [...best].map(([key, us]) => {
    const [name, scenario] = key.split('/')
    return { script: name, scenario, usecPerCall: us, calls }
  })
}

// ---- memory: MEMORY USAGE over all Redis keys of a key, after every window was used ----

async function scanKeys(admin, pattern) {
  const keys = []
  let cursor = '0'
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 2000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys
}

async function memoryUsage(admin, keys) {
  const sizes = []
  for (let i = 0; i < keys.length; i += 1000) {
    const p = admin.pipeline()
    for (const k of keys.slice(i, i + 1000)) p.memory('USAGE', k, 'SAMPLES', '0')
    for (const [error, bytes] of await p.exec()) sizes.push(error ? 0 : Number(bytes))
  }
  return sizes
}

async function prefixMemory(admin, pattern) {
  const keys = await scanKeys(admin, pattern)
  const sizes = await memoryUsage(admin, keys)
  const sum = sizes.reduce((a, b) => a + b, 0)
  return { pattern, keys: keys.length, avgBytes: keys.length ? sum / keys.length : 0 }
}

/**
 * Drives `fillKeys` of the 10,000 keys through every sub-bucket of the daily (1 h buckets),
 * weekly (6 h) and monthly (1 d) rolling windows with the store's clock override
 * (forward in time, so no window is cut short), then sums MEMORY USAGE per key.
 */
async function keyguardMemory(ctx) {
  const started = Date.now()
  const tokens = ctx.tokens.redis.many.slice(0, MODE.fillKeys)
  const keys = tokens.map((t) => {
    const parsed = kg.parseToken(t, 'kg')
    return { id: parsed.id, tag: parsed.tag }
  })
  const hour = 3600000
  const end = (Math.floor(Date.now() / hour) + 32 * 24) * hour + hour / 2
  const steps = new Set()
  // One request in each of the last 32 days, 30 six-hour buckets and 26 hours: more than any
  // ring keeps (rings hold at most 31 daily, 29 six-hourly and 25 hourly buckets).
  for (let d = 0; d < 32; d++) steps.add(end - d * 24 * hour)
  for (let k = 0; k < 30; k++) steps.add(end - k * 6 * hour)
  for (let h = 0; h < 26; h++) steps.add(end - h * hour)
  const sorted = [...steps].sort((a, b) => a - b)
  // Two worker processes share the keys, so Redis rather than one Node process sets the pace.
  const workers = 2
  const results = await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const child = track(
        fork(join(HERE, 'fill.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      )
      try {
        await ask(child, {}, 'ready', 30000)
        const share = tokens.filter((_, i) => i % workers === w)
        return await ask(
          child,
          { type: 'fill', url: ctx.redis.url, tokens: share, steps: sorted },
          'filled',
          600000,
        )
      } finally {
        await stopChild(child)
      }
    }),
  )
  const rejected = results.reduce((a, r) => a + r.rejected, 0)
  if (rejected > 0) ctx.failures.push(`memory fill: ${rejected} verifications were rejected`)

  const all = await scanKeys(ctx.redis.admin, 'kg:{*')
  const sizes = await memoryUsage(ctx.redis.admin, all)
  // Group by hash tag (every Redis key of one keyguard key carries it) and by kind, the letter
  // after the tag: k hot hash, r ring, m record, u user rates, l request log. The request log is
  // reported apart: it is capped by entries and age, not by the windows.
  const perTag = new Map()
  all.forEach((k, i) => {
    const m = /^kg:\{([^}]*)\}:([a-z]+)/.exec(k)
    if (!m) return
    const entry = perTag.get(m[1]) ?? { bytes: 0, keys: 0, log: 0, kinds: {} }
    if (m[2] === 'l') entry.log += sizes[i]
    else {
      entry.bytes += sizes[i]
      entry.keys++
    }
    entry.kinds[m[2]] = (entry.kinds[m[2]] ?? 0) + sizes[i]
    perTag.set(m[1], entry)
  })
  const stat = (tags) => {
    const list = tags.map((t) => perTag.get(t)).filter(Boolean)
    const n = Math.max(1, list.length)
    const bytes = list.map((e) => e.bytes)
    const kinds = {}
    for (const e of list) {
      for (const [kind, b] of Object.entries(e.kinds)) kinds[kind] = (kinds[kind] ?? 0) + b / n
    }
    return {
      keys: list.length,
      avgBytes: bytes.reduce((a, b) => a + b, 0) / n,
      maxBytes: Math.max(0, ...bytes),
      redisKeysPerKey: list.reduce((a, e) => a + e.keys, 0) / n,
      avgLogBytes: list.reduce((a, e) => a + e.log, 0) / n,
      avgBytesByKind: kinds,
    }
  }
  const tagOf = (t) => kg.parseToken(t, 'kg').tag
  const filledTags = tokens.map(tagOf)
  const restTags = ctx.tokens.redis.many.slice(MODE.fillKeys).map(tagOf)
  // What one filled key is made of: each of its Redis keys with type, encoding, size and bytes.
  const sample = keys[0]
  const layout = []
  for (const name of (await scanKeys(ctx.redis.admin, `kg:{${sample.tag}}*`)).sort()) {
    const type = await ctx.redis.admin.type(name)
    const length =
      type === 'hash'
        ? await ctx.redis.admin.hlen(name)
        : type === 'string'
          ? await ctx.redis.admin.strlen(name)
          : type === 'list'
            ? await ctx.redis.admin.llen(name)
            : type === 'stream'
              ? await ctx.redis.admin.xlen(name)
              : null
    layout.push({
      key: name.replace(sample.tag, '<tag>').replace(sample.id, '<id>'),
      type,
      encoding: await ctx.redis.admin.object('ENCODING', name),
      length,
      bytes: (await memoryUsage(ctx.redis.admin, [name]))[0],
    })
  }
  const index = await memoryUsage(ctx.redis.admin, ['kg:keys'])
  const total = ctx.tokens.redis.many.length + 2
  return {
    filled: stat(filledTags),
    rest: restTags.length ? stat(restTags) : null,
    fillSteps: sorted.length,
    fillVerifications: sorted.length * keys.length,
    fillSeconds: (Date.now() - started) / 1000,
    layout,
    indexBytesPerKey: (index[0] ?? 0) / total,
  }
}

// ---- main ----

async function main() {
  const t0 = Date.now()
  const hardLimit = setTimeout(() => {
    console.error(`bench: still running after ${MODE.limitS} s; stopping everything`)
    killAll()
    process.exit(2)
  }, MODE.limitS * 1000)

  const variants = VARIANTS.filter((v) => (ONLY ? ONLY.includes(v.id) : true))
  const redis = await startRedis(track)
  const info = machine(redis.version)
  const date = new Date().toISOString()
  log(`keyguard benchmark, ${MODE.name} mode${PROFILE ? ' with CPU profiles' : ''}, ${date}`)
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
    `rounds: ${MODE.prewarm} s warm-up per server; then per variant and scenario ` +
      `${MODE.warmup} s warm-up + ${MODE.measure} s measured` +
      (MODE.reps > 1
        ? `, ${MODE.reps} interleaved repetitions (later warm-ups ${MODE.rewarm} s), median reported`
        : '') +
      `; ${CONNECTIONS} connections, loopback only; private redis-server on port ${redis.port}`,
  )

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
    fork(join(HERE, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  await ask(load, {}, 'ready', 30000)
  await ask(
    load,
    {
      type: 'tokens',
      id: nextId++,
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

  const ctx = {
    redis,
    load,
    tokens: { redis: redisTokens },
    failures: [],
    peerMemory: {},
    quietBudgetMs: QUICK ? 0 : 15000,
  }
  // Servers start side by side (nothing is measured yet), then each gets its JIT warm-up alone.
  const servers = await Promise.all(variants.map((variant) => startServer(variant, ctx)))
  log(`servers started (${((Date.now() - t0) / 1000).toFixed(1)} s in)`)
  for (const server of servers) {
    const prewarm = { type: 'round', url: server.url, set: `${server.group}:many` }
    await ask(
      ctx.load,
      { ...prewarm, id: nextId++, duration: MODE.prewarm, connections: CONNECTIONS },
      'round',
      60000,
    )
    await ask(server.child, { type: 'drain' }, 'drained', 60000)
  }
  log(
    `servers: ${servers.length} variants, one process each, started and warmed up ` +
      `(${((Date.now() - t0) / 1000).toFixed(1)} s in)\n`,
  )
  const raw = []
  let retries = 0
  for (let rep = 0; rep < MODE.reps; rep++) {
    if (MODE.reps > 1) log(`repetition ${rep + 1} of ${MODE.reps}`)
    for (const scenario of SCENARIOS.filter(
      (x) => !ONLY_SCENARIOS || ONLY_SCENARIOS.includes(x.id),
    )) {
      // Interleave variants, rotating their order each repetition, so drift hits all alike.
      for (let k = 0; k < servers.length; k++) {
        const server = servers[(k + rep) % servers.length]
        let round = await measure(server, scenario, rep, ctx)
        // Another process took CPU during the round: measure again, within a small budget.
        while (
          round.otherCores !== null &&
          round.otherCores > MAX_OTHER &&
          retries < MODE.retries
        ) {
          retries++
          const again = await measure(server, scenario, rep, ctx)
          if (again.otherCores < round.otherCores) round = again
        }
        raw.push(round)
      }
    }
  }
  const profiles = new Map()
  for (const server of servers) await stopServer(server, profiles)
  for (const [id, summary] of profiles) {
    for (const base of ['a', 'd']) {
      if (id === base || !profiles.has(base) || !['e', 'f', 'f-ap'].includes(id)) continue
      const text = formatDiff(
        `CPU per request, (${id}) minus (${base})`,
        profiles.get(base),
        summary,
      )
      writeFileSync(join(TMP, `profile-${id}-vs-${base}.txt`), `${text}\n`)
      log(`\n${text}`)
    }
  }
  await stopChild(load)
  let rounds = report.combine(raw)

  let isolated = null
  if (!PROFILE && !ONLY && !ONLY_SCENARIOS) {
    log(
      `\nscripts alone: each limiter driven directly on the same Redis ` +
        `(${((Date.now() - t0) / 1000).toFixed(1)} s in) ...`,
    )
    isolated = await isolatedScripts(ctx, QUICK ? 2000 : 10000, QUICK ? 1 : 2)
  }

  let memory = null
  if (
    variants.some((v) => v.id === 'f' || v.id === 'f-ap') &&
    !PROFILE &&
    !args.includes('--no-memory')
  ) {
    log(
      `memory: filling every window of the keys, store clock override ` +
        `(${((Date.now() - t0) / 1000).toFixed(1)} s in) ...`,
    )
    memory = { keyguard: await keyguardMemory(ctx), peers: ctx.peerMemory }
  }

  rounds = report.derive(rounds)
  const goals = report.targets(rounds, memory, isolated)
  const elapsed = (Date.now() - t0) / 1000

  log('\nResults (req/s and latency from autocannon; Redis figures from INFO commandstats)')
  log(report.table(rounds, variants, SCENARIOS, false))
  const dRound = rounds.find((r) => r.variant === 'd' && r.scenario === 'hot')
  const fRound = rounds.find((r) => r.variant === 'f' && r.scenario === 'hot')
  if (dRound && fRound) {
    log(
      `\nScript cost on the same Redis, same run (hot key): keyguard verify.lua ` +
        `${report.fix(fRound.scriptUsecPerCall, 2)} µs/call vs rate-limiter-flexible ` +
        `${report.fix(dRound.scriptUsecPerCall, 2)} µs/call ` +
        `(${report.times(fRound.scriptUsecPerCall / dRound.scriptUsecPerCall)})`,
    )
  }
  if (isolated) {
    log('\nScript cost alone (pipelined EVALSHA, no HTTP, same Redis):')
    for (const scenario of ['hot', 'many']) {
      const line = isolated
        .filter((x) => x.scenario === scenario)
        .map((x) => `${x.script} ${report.fix(x.usecPerCall, 2)} µs`)
        .join(' | ')
      log(`  ${scenario === 'hot' ? 'one hot key ' : '10,000 keys '}  ${line}`)
    }
  }
  if (memory) {
    const m = memory.keyguard
    log(
      `\nRedis memory per keyguard key, every window in use (${m.filled.keys} keys, ` +
        `${m.fillVerifications.toLocaleString('en-US')} verifications in ${m.fillSteps} clock steps, ` +
        `${m.fillSeconds.toFixed(1)} s): avg ${report.int(m.filled.avgBytes)} B, max ` +
        `${report.int(m.filled.maxBytes)} B over ${report.fix(m.filled.redisKeysPerKey, 1)} Redis keys ` +
        `(request log apart: avg ${report.int(m.filled.avgLogBytes)} B); ` +
        `+ ${report.fix(m.indexBytesPerKey, 1)} B share of the key index set`,
    )
    for (const k of m.layout) {
      log(
        `  ${k.key.padEnd(22)} ${k.type} (${k.encoding}), ${k.length} ${{ hash: 'fields', list: 'entries', stream: 'entries' }[k.type] ?? 'bytes'}: ${k.bytes} B`,
      )
    }
    if (m.rest) {
      log(
        `  keys used only by the load rounds: avg ${report.int(m.rest.avgBytes)} B (${m.rest.keys} keys)`,
      )
    }
    for (const [id, p] of Object.entries(memory.peers)) {
      log(`  peer (${id}), one window: avg ${report.int(p.avgBytes)} B per key (${p.keys} keys)`)
    }
  }
  if (goals.length > 0) {
    log('\nTargets (issue 5)')
    log(report.targetTable(goals, false))
  }

  const complete = !ONLY && !ONLY_SCENARIOS && !PROFILE && !ALT
  if (complete || OUT) {
    const results = {
      meta: {
        date,
        command: `npm run bench${QUICK ? ' -- --quick' : ''}`,
        mode: MODE.name,
        repetitions: MODE.reps,
        prewarmSeconds: MODE.prewarm,
        warmupSeconds: MODE.warmup,
        rewarmSeconds: MODE.rewarm,
        measureSeconds: MODE.measure,
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
    if (OUT) {
      writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
      log(`\nwrote ${OUT}`)
    } else {
      writeFileSync(join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
      const subtitle = `${info.cores} cores, Node ${info.node}, Redis ${info.redis}, ${CONNECTIONS} connections, ${MODE.measure} s rounds, ${date.slice(0, 10)}`
      writeFileSync(join(HERE, 'chart.svg'), report.chartSvg(rounds, variants, SCENARIOS, subtitle))
      log('\nwrote bench/results.json and bench/chart.svg')
    }
  }
  log(`done in ${elapsed.toFixed(1)} s`)
  clearTimeout(hardLimit)
  redis.admin.disconnect()
  killAll()
  if (ctx.failures.length > 0) {
    console.error(`\nbench: ${ctx.failures.length} problem(s):\n  ${ctx.failures.join('\n  ')}`)
    process.exitCode = 1
  }
}

/** `--markdown`: the tables of the last bench/results.json as Markdown, for the README. */
function markdown() {
  const results = JSON.parse(readFileSync(join(HERE, 'results.json'), 'utf8'))
  const { meta, memory, isolatedScripts: isolated } = results
  const variants = results.variants.map((v) => ({
    ...v,
    short: VARIANTS.find((x) => x.id === v.id)?.short ?? v.id,
    redis: VARIANTS.find((x) => x.id === v.id)?.redis ?? false,
  }))
  const scenarios = results.scenarios.map((s) => ({
    ...s,
    short: SCENARIOS.find((x) => x.id === s.id)?.short ?? s.id,
  }))
  const m = meta.machine
  const out = [
    `Command: \`${meta.command}\` — ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.mode} mode ` +
      `(${meta.repetitions} repetition(s) of ${meta.measureSeconds} s per variant and scenario, ` +
      `${meta.connections} connections).`,
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGB} GB, Node ${m.node}, Redis ${m.redis}.`,
    '',
    report.table(results.rounds, variants, scenarios, true),
  ]
  if (isolated) {
    out.push(
      '',
      '| script alone (pipelined EVALSHA) | one hot key | 10,000 keys |',
      '|---|---:|---:|',
    )
    for (const name of ['keyguard verify.lua', 'rate-limiter-flexible', 'rate-limit-redis']) {
      const us = (s) => isolated.find((x) => x.script === name && x.scenario === s)?.usecPerCall
      out.push(`| ${name} | ${report.fix(us('hot'), 2)} µs | ${report.fix(us('many'), 2)} µs |`)
    }
  }
  if (memory?.keyguard) {
    const k = memory.keyguard
    out.push(
      '',
      `Redis memory per keyguard key with every sub-bucket of every window in use ` +
        `(${k.filled.keys.toLocaleString('en-US')} keys): ${report.int(k.filled.avgBytes)} B ` +
        `(${Object.entries(k.filled.avgBytesByKind ?? {})
          .filter(([kind]) => kind !== 'l')
          .map(([kind, b]) => `${kind}: ${report.int(b)} B`)
          .join(', ')}), plus ${report.fix(k.indexBytesPerKey, 0)} B share of the key index; ` +
        `request log apart: ${report.int(k.filled.avgLogBytes)} B.`,
    )
  }
  // Recomputed, so the labels follow this checkout's report.js.
  const goals = report.targets(report.derive(results.rounds), memory, isolated)
  out.push('', report.targetTable(goals, true))
  console.log(out.join('\n'))
}

if (args.includes('--markdown')) {
  markdown()
  process.exit(0)
}

main().catch((error) => {
  console.error('bench failed:', error)
  killAll()
  process.exit(1)
})
