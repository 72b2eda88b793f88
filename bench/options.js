// Command-line flags of bench/run.js, the timings of each mode and the fixed sizes of a run.

const { join } = require('node:path')

/** Results and the chart go here; made at run time, never committed. */
const OUT_DIR = join(__dirname, 'out')
/** Scratch space for CPU profiles (--profile). */
const TMP = join(__dirname, '.tmp')

const CONNECTIONS = 32
/** A round during which other processes used more CPU than this (in cores) is measured again. */
const MAX_OTHER = 0.3
const KEYS = 10000
const MALFORMED = 1000
const CLIENT_IPS = 20000

/**
 * `--quick`, `--profile`, `--reps=N`, `--variants=a,d,f`, `--scenarios=hot,many`, `--alt=DIR`,
 * `--out=FILE`, `--no-memory`, `--markdown`.
 */
function parse(args) {
  const value = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const quick = args.includes('--quick')
  const profile = args.includes('--profile')
  // prewarm: once per server, before any round (lets the JIT settle); warmup: before the first
  // measured round of each variant and scenario; rewarm: before each later repetition.
  const mode = quick
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
  if (profile) Object.assign(mode, { reps: 1, prewarm: 2, warmup: 1, measure: 5 })
  const reps = value('reps')
  if (reps !== undefined) mode.reps = Math.max(1, Math.min(10, Number(reps) || 1))
  // Hard limit on the whole run: it scales with the repetitions, never unbounded.
  mode.limitS = (quick ? 120 : 600) * Math.max(1, mode.reps / (quick ? 1 : 3))
  const only = value('variants')?.split(',')
  const onlyScenarios = value('scenarios')?.split(',')
  const alt = value('alt')
  return {
    quick,
    profile,
    mode,
    only,
    onlyScenarios,
    alt,
    /** The results of this run (complete or not) go to this file, and the chart is not drawn. */
    out: value('out'),
    memory: !args.includes('--no-memory'),
    markdown: args.includes('--markdown'),
    /** Only a complete run replaces bench/out/results.json and the chart. */
    complete: !only && !onlyScenarios && !profile && !alt,
  }
}

module.exports = { parse, OUT_DIR, TMP, CONNECTIONS, MAX_OTHER, KEYS, MALFORMED, CLIENT_IPS }
