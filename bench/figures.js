// Figures of a run: repetitions merged, per-request Redis and CPU figures, ratios to the peers.

/** The variants every other one is compared with: ×(a), ×(b), ×(c), ×(d). */
const PEERS = ['a', 'b', 'c', 'd']

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Merges the repetitions of each variant and scenario: req/s, p50 and p99 are the medians of
 * the repetitions; counts (requests, commands, CPU) are summed, so per-request figures use all.
 */
function combine(raw) {
  const groups = new Map()
  for (const r of raw) {
    const key = `${r.variant}/${r.scenario}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key).push(r)
  }
  const out = []
  for (const reps of groups.values()) {
    const first = reps[0]
    const stats = {}
    for (const r of reps) {
      for (const [name, s] of Object.entries(r.commandstats)) {
        const acc = stats[name] ?? { calls: 0, usec: 0 }
        acc.calls += s.calls
        acc.usec += s.usec
        stats[name] = acc
      }
    }
    const status = {}
    for (const r of reps) {
      for (const [code, n] of Object.entries(r.load.status)) status[code] = (status[code] ?? 0) + n
    }
    const sum = (f) => reps.reduce((a, r) => a + f(r), 0)
    const requests = sum((r) => r.load.requests)
    const others = reps.map((r) => r.otherCores).filter((x) => x !== null)
    out.push({
      variant: first.variant,
      scenario: first.scenario,
      repetitions: reps.length,
      load: {
        rps: median(reps.map((r) => r.load.rps)),
        rpsMin: Math.min(...reps.map((r) => r.load.rps)),
        rpsMax: Math.max(...reps.map((r) => r.load.rps)),
        p50: median(reps.map((r) => r.load.p50)),
        p99: median(reps.map((r) => r.load.p99)),
        requests,
        seconds: sum((r) => r.load.seconds),
        status,
        errors: sum((r) => r.load.errors),
        loadCpuMicros: sum((r) => r.load.loadCpuMicros),
      },
      server: {
        requests: sum((r) => r.server.requests),
        redisSent: sum((r) => r.server.redisSent),
        cpuMicros: sum((r) => r.server.cpuMicros),
        scripts: reps.reduce((acc, r) => {
          for (const [sha, n] of Object.entries(r.server.scripts ?? {}))
            acc[sha] = (acc[sha] ?? 0) + n
          return acc
        }, {}),
        verifySha: first.server.verifySha ?? null,
      },
      redisCpuMicros: sum((r) => r.redisCpuMicros),
      otherCores: others.length ? Math.max(...others) : null,
      commandstats: stats,
      expectedStatus: first.expectedStatus,
      expectedShare: (status[first.expectedStatus] ?? 0) / Math.max(1, requests),
    })
  }
  return out
}

/** Adds per-request Redis figures and ratios to every round (mutates and returns rounds). */
function derive(rounds) {
  const byKey = new Map(rounds.map((r) => [`${r.variant}/${r.scenario}`, r]))
  for (const r of rounds) {
    const n = r.server.requests
    const stats = r.commandstats
    const scripts = ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro']
    let scriptCalls = 0
    let scriptUsec = 0
    let total = 0
    for (const [name, s] of Object.entries(stats)) {
      total += s.calls
      if (scripts.includes(name)) {
        scriptCalls += s.calls
        scriptUsec += s.usec
      }
    }
    // The limiter's own script: keyguard's verify.lua by its SHA1, else every script the peer sends.
    const sent = r.server.scripts ?? {}
    r.limiterScriptCalls = r.server.verifySha
      ? (sent[r.server.verifySha] ?? 0)
      : Object.values(sent).reduce((a, b) => a + b, 0)
    r.otherScriptCalls = Object.values(sent).reduce((a, b) => a + b, 0) - r.limiterScriptCalls
    r.limiterScriptsPerReq = n > 0 ? r.limiterScriptCalls / n : Number.NaN
    r.scriptCalls = scriptCalls
    r.redisCommands = total
    r.scriptCallsPerReq = n > 0 ? scriptCalls / n : Number.NaN
    r.appCommandsPerReq = n > 0 ? r.server.redisSent / n : Number.NaN
    r.redisCommandsPerReq = n > 0 ? total / n : Number.NaN
    // Per request, not per call: one verify.lua call may carry a batch of requests.
    r.scriptUsecPerReq = n > 0 ? scriptUsec / n : Number.NaN
    r.redisCpuUsPerReq = n > 0 ? r.redisCpuMicros / n : Number.NaN
    r.nodeCpuUsPerReq = n > 0 ? r.server.cpuMicros / n : Number.NaN
    r.ratios = {}
    for (const peer of PEERS) {
      const ref = byKey.get(`${peer}/${r.scenario}`)
      r.ratios[peer] = ref ? r.load.rps / ref.load.rps : Number.NaN
    }
  }
  return rounds
}

module.exports = { combine, derive }
