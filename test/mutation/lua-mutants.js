// Plants the classic mutations in lua/verify.lua, one at a time, and runs the suites against each:
// a mutant the suites do not fail has survived. `npm run test:mutation` runs it after StrykerJS.

const { spawnSync } = require('node:child_process')
const { readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const ROOT = join(__dirname, '..', '..')
const SCRIPT = join(ROOT, 'lua', 'verify.lua')
const SUITES = ['test/conformance', 'test/differential.test.ts', 'test/differential-tokens.test.ts']

/** [name, the text in verify.lua, what replaces it] */
const MUTANTS = [
  [
    'quota window off by one (> to >=)',
    'if w.sum + cost > w.limit then',
    'if w.sum + cost >= w.limit then',
  ],
  [
    'total quota off by one (> to >=)',
    'used_total + cost > total then',
    'used_total + cost >= total then',
  ],
  [
    'rate off by one (over > 0 to over >= 0)',
    'if over > 0 then fail(window',
    'if over >= 0 then fail(window',
  ],
  [
    'status check dropped',
    "if v[S] ~= '1' or redis.call('HEXISTS', user_key, 'd') == 1 then",
    "if redis.call('HEXISTS', user_key, 'd') == 1 then",
  ],
  [
    'user disabled check dropped',
    "if v[S] ~= '1' or redis.call('HEXISTS', user_key, 'd') == 1 then",
    "if v[S] ~= '1' then",
  ],
  ['expiry check dropped', 'if v[X] and now_ms >= tonumber(v[X]) then', 'if false and v[X] then'],
  [
    'scope check dropped',
    'if not grants(have, need) or (own and not grants(own, need)) then',
    'if false then',
  ],
  ["a client token's own scopes ignored", 'or (own and not grants(own, need))', ''],
  [
    'charge on rejection',
    '    out[1], out[2], out[3] = failed >= 3 and QUOTA or RATE, failed, fail_wait\n',
    "    out[1], out[2], out[3] = failed >= 3 and QUOTA or RATE, failed, fail_wait\n    redis.call('HINCRBY', hot, 'tt', cost)\n",
  ],
  [
    'clock units (µs read as ms)',
    'now = t[1] * 1000000 + t[2]',
    'now = t[1] * 1000000 + t[2] * 1000',
  ],
  ['clock without microseconds', 'now = t[1] * 1000000 + t[2]', 'now = t[1] * 1000000'],
  [
    'grace period ends 1 ms late (>= to >)',
    'now_ms >= (tonumber(old[2]) or 0)',
    'now_ms > (tonumber(old[2]) or 0)',
  ],
  [
    'client token expiry ends 1 ms late (>= to >)',
    'if now_ms >= tonumber(string.sub(ct, 1, bar - 1))',
    'if now_ms > tonumber(string.sub(ct, 1, bar - 1))',
  ],
]

/** The suites run src/, which gets the Lua text from the module the build generates: regenerate it. */
const inlineLua = () => {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'inline-lua.js')], {
    stdio: 'inherit',
  })
  if (run.status !== 0) throw new Error('scripts/inline-lua.js failed')
}

const original = readFileSync(SCRIPT, 'utf8')
const results = []
try {
  for (const [name, from, to] of MUTANTS) {
    if (!original.includes(from)) throw new Error(`verify.lua no longer contains: ${from}`)
    writeFileSync(SCRIPT, original.replace(from, to))
    inlineLua()
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--silent', ...SUITES],
      { cwd: ROOT, env: { ...process.env, KEYGUARD_SKIP_BUILD_CHECK: '1' }, encoding: 'utf8' },
    )
    const killed = run.status !== 0
    results.push({ name, killed })
    console.log(`${killed ? 'killed  ' : 'SURVIVED'}  ${name}`)
  }
} finally {
  writeFileSync(SCRIPT, original)
  inlineLua()
}
const killed = results.filter((r) => r.killed).length
console.log(
  `Lua mutants: ${killed} of ${results.length} killed (${Math.round((100 * killed) / results.length)}%)`,
)
