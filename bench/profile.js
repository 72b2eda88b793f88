// --profile: each server's CPU µs per request by package and function, and between variants.

// Read from V8 .cpuprofile files (node --cpu-prof), self and inclusive time.

const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { TMP } = require('./options')

function where(url) {
  if (!url) return '(native)'
  if (url.startsWith('node:')) return 'node core'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.includes('/dist/')) return 'keyguard'
  if (url.includes('/bench/')) return 'bench'
  return url
}

function shortUrl(url) {
  if (!url) return ''
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) return url.slice(nm + 14)
  const dist = url.lastIndexOf('/dist/')
  if (dist >= 0) return url.slice(dist + 1)
  const bench = url.lastIndexOf('/bench/')
  if (bench >= 0) return url.slice(bench + 1)
  return url.replace(/^file:\/\//, '')
}

const nameOf = (cf) =>
  `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`.trim()

/**
 * Summarizes one profile. `requests` is how many requests the process served over the
 * profile's lifetime, so times come out in CPU µs per request.
 */
function summarize(file, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map()
  const { samples, timeDeltas } = profile
  for (let i = 0; i < samples.length; i++) {
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0))
  }
  let total = 0
  let idle = 0
  const self = new Map()
  const packages = new Map()
  const inclusive = new Map()
  for (const [id, us] of selfUs) {
    const cf = nodes.get(id).callFrame
    total += us
    if (cf.functionName === '(idle)') {
      idle += us
      continue
    }
    const name = nameOf(cf)
    self.set(name, (self.get(name) ?? 0) + us)
    const pkg = where(cf.url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
    const seen = new Set()
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const f = nodes.get(p).callFrame
      if (!f.url) continue
      const key = nameOf(f)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }
  const per = (map) => new Map([...map.entries()].map(([k, us]) => [k, us / Math.max(1, requests)]))
  return {
    requests,
    cpuMs: (total - idle) / 1000,
    usPerRequest: (total - idle) / Math.max(1, requests),
    self: per(self),
    packages: per(packages),
    inclusive: per(inclusive),
  }
}

const rank = (map, n) =>
  [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n ?? Number.POSITIVE_INFINITY)

const us = (x) => `${x.toFixed(1).padStart(6)} µs`

function formatSummary(title, s, top = 30) {
  const keyguardInclusive = new Map(
    [...s.inclusive].filter(([k]) => k.includes(' dist/') && !k.startsWith('(anonymous)')),
  )
  return [
    `${title}: ${s.usPerRequest.toFixed(1)} µs CPU per request over ${s.requests} requests`,
    '  self time by package (µs per request):',
    ...rank(s.packages, 12).map(([k, v]) => `    ${us(v)}  ${k}`),
    '  self time by function (µs per request):',
    ...rank(s.self, top).map(([k, v]) => `    ${us(v)}  ${k}`),
    '  keyguard functions, inclusive (µs per request; the guard includes the handler after next()):',
    ...rank(keyguardInclusive, 15).map(([k, v]) => `    ${us(v)}  ${k}`),
  ].join('\n')
}

/** What `other` spends per request beyond `base`, by package and by function (self time). */
function formatDiff(title, base, other, top = 25) {
  const diff = (a, b) => {
    const out = new Map()
    for (const k of new Set([...a.keys(), ...b.keys()]))
      out.set(k, (b.get(k) ?? 0) - (a.get(k) ?? 0))
    return out
  }
  return [
    `${title}: ${other.usPerRequest.toFixed(1)} - ${base.usPerRequest.toFixed(1)} = ` +
      `${(other.usPerRequest - base.usPerRequest).toFixed(1)} µs CPU per request`,
    '  by package:',
    ...rank(diff(base.packages, other.packages), 10).map(([k, v]) => `    ${us(v)}  ${k}`),
    '  by function (self time):',
    ...rank(diff(base.self, other.self), top).map(([k, v]) => `    ${us(v)}  ${k}`),
  ].join('\n')
}

/** Node flags for server `id` to write its CPU profile into a fresh folder of its own. */
function profileFlags(id) {
  const dir = join(TMP, `prof-${id}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}

/** Once `variant`'s server has exited: prints its profile and keeps the summary in `profiles`. */
function collectProfile(variant, requests, profiles) {
  const dir = join(TMP, `prof-${variant.id}`)
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) return
  const summary = summarize(join(dir, file), requests)
  profiles.set(variant.id, summary)
  const text = formatSummary(`CPU profile, ${variant.label}`, summary)
  writeFileSync(join(TMP, `profile-${variant.id}.txt`), `${text}\n`)
  console.log(`\n${text}\n  (profile: bench/.tmp/prof-${variant.id}/${file})`)
}

/** What each keyguard variant spends per request beyond bare Express and rate-limiter-flexible. */
function compareProfiles(profiles) {
  for (const [id, summary] of profiles) {
    for (const base of ['a', 'd']) {
      if (id === base || !profiles.has(base) || !['e', 'f', 'f-ap'].includes(id)) continue
      const text = formatDiff(
        `CPU per request, (${id}) minus (${base})`,
        profiles.get(base),
        summary,
      )
      writeFileSync(join(TMP, `profile-${id}-vs-${base}.txt`), `${text}\n`)
      console.log(`\n${text}`)
    }
  }
}

module.exports = {
  summarize,
  formatSummary,
  formatDiff,
  profileFlags,
  collectProfile,
  compareProfiles,
}
