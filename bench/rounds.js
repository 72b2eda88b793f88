// Load driving: the scenarios, and autocannon rounds interleaved across every variant's server.

const { ask, nextId, sleep } = require('./children')
const { machineBusyMicros, quietGate } = require('./host')
const { prefixMemory } = require('./memory')
const { CONNECTIONS, MAX_OTHER } = require('./options')
const { expectedStatus } = require('./peers')
const { commandStats, redisCpuMicros } = require('./redis')
const { fix, int } = require('./tables')

const SCENARIOS = [
  { id: 'hot', short: 'hot key', label: 'one hot key' },
  { id: 'many', short: '10k keys', label: '10,000 keys' },
  { id: 'rejected', short: 'rejected', label: 'rejected flood' },
  { id: 'malformed', short: 'malformed', label: 'malformed tokens' },
]

/** The scenarios of a run: all of them, or those of --scenarios=. */
const scenariosFor = ({ onlyScenarios }) =>
  SCENARIOS.filter((x) => !onlyScenarios || onlyScenarios.includes(x.id))

/** One autocannon round from the load generator process against `url`. */
const drive = (ctx, url, set, duration, timeoutMs = (duration + 60) * 1000) =>
  ask(
    ctx.load,
    { type: 'round', id: nextId(), url, set, duration, connections: CONNECTIONS },
    'round',
    timeoutMs,
  )

/** Each server's JIT warm-up, alone, before any measured round; then its background is written. */
async function prewarm(servers, ctx) {
  for (const server of servers) {
    await drive(ctx, server.url, `${server.group}:many`, ctx.opts.mode.prewarm, 60000)
    await ask(server.child, { type: 'drain' }, 'drained', 60000)
  }
}

/** One warm-up and one measured round of one variant in one scenario. */
async function measure(server, scenario, rep, ctx) {
  const { variant } = server
  const mode = ctx.opts.mode
  const set = scenario.id === 'malformed' ? 'malformed' : `${server.group}:${scenario.id}`
  await drive(ctx, server.url, set, rep === 0 ? mode.warmup : mode.rewarm)
  await sleep(mode.settle)
  if (mode.quietWaitS > 0 && ctx.quietBudgetMs > 0) {
    const waitStart = Date.now()
    await quietGate(ctx)
    ctx.quietBudgetMs -= Math.max(0, Date.now() - waitStart - 200)
  }
  await ctx.redis.admin.config('RESETSTAT')
  const cpuBefore = await redisCpuMicros(ctx.redis.admin)
  await ask(server.child, { type: 'snapshot', reset: true }, 'snapshot', 10000)
  const busyBefore = machineBusyMicros()
  const { result } = await drive(ctx, server.url, set, mode.measure)
  const busyAfter = machineBusyMicros()
  await sleep(mode.settle)
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
  console.log(
    `  ${variant.short.padEnd(16)} ${scenario.short.padEnd(10)} ${int(result.rps).padStart(7)} req/s` +
      `  p50 ${fix(result.p50, 2)} ms  p99 ${fix(result.p99, 2)} ms` +
      `  ${fix(100 * share, 1)}% ${expected}` +
      (variant.redis
        ? `  verify/req ${fix(limiter / snap.requests, 3)}, scripts/req ${fix(scripts / snap.requests, 3)}`
        : '') +
      (otherCores !== null && otherCores > 0.1
        ? `  (other processes used ${fix(otherCores, 2)} cores)`
        : ''),
  )
  if (share < 0.995 || result.errors > 0) {
    ctx.failures.push(
      `${variant.label}, ${scenario.label}: ${fix(100 * share, 2)}% of answers were ${expected} ` +
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

/**
 * Every repetition of every scenario on every server. Returns the raw rounds and how many were
 * measured again because another process took CPU during them.
 */
async function measureAll(servers, ctx) {
  const mode = ctx.opts.mode
  const raw = []
  let retries = 0
  for (let rep = 0; rep < mode.reps; rep++) {
    if (mode.reps > 1) console.log(`repetition ${rep + 1} of ${mode.reps}`)
    for (const scenario of scenariosFor(ctx.opts)) {
      // Interleave variants, rotating their order each repetition, so drift hits all alike.
      for (let k = 0; k < servers.length; k++) {
        const server = servers[(k + rep) % servers.length]
        let round = await measure(server, scenario, rep, ctx)
        // Another process took CPU during the round: measure again, within a small budget.
        while (
          round.otherCores !== null &&
          round.otherCores > MAX_OTHER &&
          retries < mode.retries
        ) {
          retries++
          const again = await measure(server, scenario, rep, ctx)
          if (again.otherCores < round.otherCores) round = again
        }
        raw.push(round)
      }
    }
  }
  return { raw, retries }
}

module.exports = { SCENARIOS, prewarm, measureAll }
