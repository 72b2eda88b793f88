// Number formats and the results and targets tables, as aligned text or Markdown.

const fix = (n, d) => (Number.isFinite(n) ? n.toFixed(d) : '-')
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-')
const times = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '-')

function pad(s, n, right) {
  const str = String(s)
  return right ? str.padStart(n) : str.padEnd(n)
}

/** The results table as aligned text (console) or Markdown. */
function table(rounds, variants, scenarios, markdown) {
  const head = [
    'variant',
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    '×(a)',
    '×(b)',
    '×(c)',
    '×(d)',
    'verify/req',
    'scripts/req',
    'app cmds/req',
    'Redis cmds/req',
    'script µs/req',
    'Redis CPU µs/req',
    'Node CPU µs/req',
    'status',
  ]
  const rows = []
  for (const v of variants) {
    for (const s of scenarios) {
      const r = rounds.find((x) => x.variant === v.id && x.scenario === s.id)
      if (!r) continue
      const redis = v.redis
      rows.push([
        v.short,
        s.short,
        int(r.load.rps),
        fix(r.load.p50, 2),
        fix(r.load.p99, 2),
        times(r.ratios.a),
        times(r.ratios.b),
        times(r.ratios.c),
        times(r.ratios.d),
        redis ? fix(r.limiterScriptsPerReq, 3) : '-',
        redis ? fix(r.scriptCallsPerReq, 3) : '-',
        redis ? fix(r.appCommandsPerReq, 3) : '-',
        redis ? fix(r.redisCommandsPerReq, 2) : '-',
        redis ? fix(r.scriptUsecPerReq, 2) : '-',
        redis ? fix(r.redisCpuUsPerReq, 1) : '-',
        fix(r.nodeCpuUsPerReq, 1),
        `${fix(100 * r.expectedShare, 1)}% ${r.expectedStatus}`,
      ])
    }
  }
  if (markdown) {
    // Two narrower tables for a README: throughput and latency, then the Redis and CPU figures.
    const line = (cells) => `| ${cells.join(' | ')} |`
    const pick = (cells, cols) => cols.map((i) => cells[i])
    const part = (cols, keep) => {
      const h = pick(head, cols)
      const align = h.map((_, i) => (i < 2 ? '---' : '---:'))
      return [line(h), line(align), ...rows.filter(keep).map((r) => line(pick(r, cols)))].join('\n')
    }
    return [
      part([0, 1, 2, 3, 4, 5, 6, 7, 8, 16], () => true),
      part([0, 1, 9, 10, 11, 12, 13, 14, 15], (r) => r[9] !== '-' || r[15] !== '-'),
    ].join('\n\n')
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const fmt = (cells) => cells.map((c, i) => pad(c, widths[i], i >= 2)).join('  ')
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n')
}

function targetTable(list, markdown) {
  if (markdown) {
    const lines = ['| target | run | measured | met |', '|---|---|---|---|']
    for (const t of list) {
      lines.push(`| ${t.target} | (${t.variant}) | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`)
    }
    return lines.join('\n')
  }
  const w = Math.max(...list.map((t) => t.target.length))
  return list
    .map(
      (t) => `${t.met ? 'MET   ' : 'MISSED'}  (${t.variant})  ${pad(t.target, w)}  ${t.measured}`,
    )
    .join('\n')
}

module.exports = { fix, int, times, table, targetTable }
