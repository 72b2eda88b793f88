// The benchmark's target checks, on made-up rounds: what counts as met, and what is left out.

// The figures and targets are plain JavaScript modules of the benchmark.
const { derive } = require('../../bench/figures.js') as {
  derive(rounds: RawRound[]): RawRound[]
}
const { targets } = require('../../bench/targets.js') as {
  targets(
    rounds: RawRound[],
    memory: unknown,
    isolated: unknown,
  ): Array<{ target: string; variant: string; measured: string; met: boolean }>
}
const report = { derive, targets }

interface RawRound {
  variant: string
  scenario: string
  load: { rps: number; p50: number; seconds: number }
  server: {
    requests: number
    redisSent: number
    cpuMicros: number
    scripts: Record<string, number>
    verifySha: string | null
  }
  commandstats: Record<string, { calls: number; usec: number }>
  redisCpuMicros: number
}

const VERIFY = 'v'.repeat(40)
const LOG = 'l'.repeat(40)

/** A round of `requests` requests at `rps`; keyguard's sends `verify` + `log` script calls. */
function round(
  variant: string,
  scenario: string,
  rps: number,
  calls: { verify?: number; log?: number; peer?: number; usec?: number; other?: number } = {},
): RawRound {
  const requests = 1000
  const scripts: Record<string, number> = {}
  if (calls.verify) scripts[VERIFY] = calls.verify
  if (calls.log) scripts[LOG] = calls.log
  if (calls.peer) scripts.peer = calls.peer
  const evalsha = (calls.verify ?? 0) + (calls.log ?? 0) + (calls.peer ?? 0)
  const commandstats: RawRound['commandstats'] = {}
  if (evalsha > 0) commandstats.evalsha = { calls: evalsha, usec: evalsha * (calls.usec ?? 10) }
  if (calls.other) commandstats.incrby = { calls: calls.other, usec: calls.other }
  return {
    variant,
    scenario,
    load: { rps, p50: 1, seconds: 1 },
    server: {
      requests,
      redisSent: evalsha + (calls.other ?? 0),
      cpuMicros: 100 * requests,
      scripts,
      verifySha: variant === 'f' ? VERIFY : null,
    },
    commandstats,
    redisCpuMicros: 0,
  }
}

const find = (list: ReturnType<typeof report.targets>, start: string) =>
  list.find((t) => t.variant === 'f' && t.target.startsWith(start))

describe('bench targets', () => {
  const peers = (scenario: string) => [
    round('a', scenario, 1000),
    round('c', scenario, 800, { peer: 1000 }),
    round('d', scenario, 900, { peer: 1000, usec: 5 }),
  ]

  it('met when keyguard reaches the ratios, with at most one verification per request', () => {
    const rounds = report.derive([
      ...peers('hot'),
      ...peers('many'),
      ...peers('rejected'),
      ...peers('malformed'),
      round('f', 'hot', 990, { verify: 1000, usec: 9 }),
      // Batched: 1000 requests in 40 calls.
      round('f', 'many', 990, { verify: 40, usec: 9 }),
      round('f', 'rejected', 1000, { verify: 1000, usec: 9 }),
      round('f', 'malformed', 960),
    ])
    const goals = report.targets(rounds, null, null)
    expect(goals.filter((t) => t.variant === 'f').every((t) => t.met)).toBe(true)
    expect(find(goals, 'at most 1.0 verify.lua call')?.met).toBe(true)
    expect(find(goals, '≤ 1.05 script calls')?.met).toBe(true)
    expect(find(goals, 'malformed flood')?.met).toBe(true)
  })

  it('missed on one extra verification, on any Redis command in a malformed flood, on a slower rejection', () => {
    const rounds = report.derive([
      ...peers('hot'),
      ...peers('rejected'),
      ...peers('malformed'),
      round('f', 'hot', 990, { verify: 1001 }),
      round('f', 'rejected', 980, { verify: 1000 }),
      round('f', 'malformed', 990, { other: 1 }),
    ])
    const goals = report.targets(rounds, null, null)
    expect(find(goals, 'at most 1.0 verify.lua call')?.met).toBe(false)
    expect(find(goals, 'malformed flood')?.met).toBe(false)
    expect(find(goals, 'rejected no slower')?.met).toBe(false)
  })

  it('leaves out the live script cost when log.lua calls are over 2% of the script calls', () => {
    const rounds = report.derive([
      ...peers('hot'),
      ...peers('many'),
      round('f', 'hot', 990, { verify: 1000, log: 10, usec: 14 }),
      round('f', 'many', 990, { verify: 1000, log: 1000, usec: 14 }),
    ])
    const live = report
      .targets(rounds, null, null)
      .filter((t) => t.variant === 'f' && t.target.startsWith("script µs/req ≤ 2× (d)'s, "))
      .map((t) => t.target)
    expect(live).toEqual([
      "script µs/req ≤ 2× (d)'s, one hot key (every EVALSHA, log.lua flushes included)",
    ])
    // One log call per request on top of the verifications: 2.0 calls per request in all.
    expect(find(report.targets(rounds, null, null), '≤ 1.05 script calls')?.met).toBe(false)
  })
})
