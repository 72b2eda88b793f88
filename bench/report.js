// Reporting a run: the console summary, bench/out/results.json and chart.svg, and --markdown.

const { mkdirSync, readFileSync, writeFileSync } = require('node:fs')
const { join, relative } = require('node:path')
const { chartSvg } = require('./chart')
const { derive } = require('./figures')
const { OUT_DIR } = require('./options')
const { variantById } = require('./peers')
const { SCENARIOS } = require('./rounds')
const { fix, int, table, targetTable, times } = require('./tables')
const { targets } = require('./targets')

const log = (...a) => console.log(...a)
const RESULTS = join(OUT_DIR, 'results.json')
const CHART = join(OUT_DIR, 'chart.svg')
/** A path as printed: relative to the checkout, the same on every machine. */
const shown = (file) => relative(join(__dirname, '..'), file)

/** The tables and figures of a run, on the console. */
function printResults({ rounds, variants, isolated, memory, goals }) {
  log('\nResults (req/s and latency from autocannon; Redis figures from INFO commandstats)')
  log(table(rounds, variants, SCENARIOS, false))
  const dRound = rounds.find((r) => r.variant === 'd' && r.scenario === 'hot')
  const fRound = rounds.find((r) => r.variant === 'f' && r.scenario === 'hot')
  if (dRound && fRound) {
    log(
      `\nScript cost on the same Redis, same run (hot key): keyguard verify.lua ` +
        `${fix(fRound.scriptUsecPerReq, 2)} µs/req vs rate-limiter-flexible ` +
        `${fix(dRound.scriptUsecPerReq, 2)} µs/req ` +
        `(${times(fRound.scriptUsecPerReq / dRound.scriptUsecPerReq)})`,
    )
  }
  if (isolated) {
    log('\nScript cost alone (pipelined EVALSHA, no HTTP, same Redis):')
    for (const scenario of ['hot', 'many']) {
      const line = isolated
        .filter((x) => x.scenario === scenario)
        .map((x) => `${x.script} ${fix(x.usecPerOp, 2)} µs`)
        .join(' | ')
      log(`  ${scenario === 'hot' ? 'one hot key ' : '10,000 keys '}  ${line}`)
    }
  }
  if (memory) printMemory(memory)
  if (goals.length > 0) {
    log('\nTargets (hot path)')
    log(targetTable(goals, false))
  }
  const floor = floorLine(rounds)
  if (floor) log(`\n${floor}`)
}

/** What (g), the contract's floor, reaches against Express: no guard with these headers does better. */
function floorLine(rounds) {
  const parts = SCENARIOS.map((s) => {
    const ratio = rounds.find((r) => r.variant === 'g' && r.scenario === s.id)?.ratios.a
    return Number.isFinite(ratio) ? `${s.label} ${times(ratio)}` : null
  }).filter(Boolean)
  if (parts.length === 0) return null
  return `Floor (g), headers + SHA-256 + close listener and nothing else, × (a): ${parts.join(', ')}`
}

function printMemory(memory) {
  const m = memory.keyguard
  log(
    `\nRedis memory per keyguard key, every window in use (${m.filled.keys} keys, ` +
      `${m.fillVerifications.toLocaleString('en-US')} verifications in ${m.fillSteps} clock steps, ` +
      `${m.fillSeconds.toFixed(1)} s): avg ${int(m.filled.avgBytes)} B, max ` +
      `${int(m.filled.maxBytes)} B over ${fix(m.filled.redisKeysPerKey, 1)} Redis keys ` +
      `(request log and usage series apart: avg ${int(m.filled.avgLogBytes)} B); ` +
      `+ ${fix(m.indexBytesPerKey, 1)} B share of the key index set`,
  )
  for (const k of m.layout) {
    log(
      `  ${k.key.padEnd(22)} ${k.type} (${k.encoding}), ${k.length} ${{ hash: 'fields', list: 'entries', stream: 'entries' }[k.type] ?? 'bytes'}: ${k.bytes} B`,
    )
  }
  if (m.rest) {
    log(`  keys used only by the load rounds: avg ${int(m.rest.avgBytes)} B (${m.rest.keys} keys)`)
  }
  for (const [id, p] of Object.entries(memory.peers)) {
    log(`  peer (${id}), one window: avg ${int(p.avgBytes)} B per key (${p.keys} keys)`)
  }
}

/**
 * Writes a run's results: to `--out=FILE` alone, or (complete runs) to bench/out/results.json
 * with the chart beside it. A partial run without --out writes nothing.
 */
function saveResults(results, { out, complete }, { variants, subtitle }) {
  if (out) {
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
    log(`\nwrote ${out}`)
  } else if (complete) {
    mkdirSync(OUT_DIR, { recursive: true })
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`)
    writeFileSync(CHART, chartSvg(results.rounds, variants, SCENARIOS, subtitle))
    log(`\nwrote ${shown(RESULTS)} and ${shown(CHART)}`)
  }
}

/** `--markdown`: the tables of the last results (bench/out/results.json or --out=FILE). */
function markdown(file = RESULTS) {
  const results = JSON.parse(readFileSync(file, 'utf8'))
  const { meta, memory, isolatedScripts: isolated } = results
  const variants = results.variants.map((v) => ({
    ...v,
    short: variantById(v.id)?.short ?? v.id,
    redis: variantById(v.id)?.redis ?? false,
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
    table(results.rounds, variants, scenarios, true),
  ]
  if (isolated) {
    out.push(
      '',
      '| script alone (pipelined EVALSHA) | one hot key | 10,000 keys |',
      '|---|---:|---:|',
    )
    for (const name of ['keyguard verify.lua', 'rate-limiter-flexible', 'rate-limit-redis']) {
      const us = (s) => isolated.find((x) => x.script === name && x.scenario === s)?.usecPerOp
      out.push(`| ${name} | ${fix(us('hot'), 2)} µs | ${fix(us('many'), 2)} µs |`)
    }
  }
  if (memory?.keyguard) {
    const k = memory.keyguard
    out.push(
      '',
      `Redis memory per keyguard key with every sub-bucket of every window in use ` +
        `(${k.filled.keys.toLocaleString('en-US')} keys): ${int(k.filled.avgBytes)} B ` +
        `(${Object.entries(k.filled.avgBytesByKind ?? {})
          .filter(([kind]) => !['l', 'sh', 'sd'].includes(kind))
          .map(([kind, b]) => `${kind}: ${int(b)} B`)
          .join(', ')}), plus ${fix(k.indexBytesPerKey, 0)} B share of the key index; ` +
        `request log and usage series apart: ${int(k.filled.avgLogBytes)} B.`,
    )
  }
  // Recomputed, so the labels follow this checkout's targets.js.
  const rounds = derive(results.rounds)
  const goals = targets(rounds, memory, isolated)
  out.push('', targetTable(goals, true))
  const floor = floorLine(rounds)
  if (floor) out.push('', `${floor}.`)
  console.log(out.join('\n'))
}

module.exports = { printResults, saveResults, markdown }
