// The SVG chart of a complete run: req/s by scenario and variant.

const { fix, int } = require('./tables')

const COLORS = {
  a: '#9e9e9e',
  b: '#f4a261',
  c: '#e76f51',
  d: '#8d6cab',
  e: '#6fb1d8',
  f: '#1f77b4',
  'f-ap': '#0b3d91',
  'e-alt': '#98df8a',
  'f-alt': '#2ca02c',
}

const esc = (s) =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

/** Grouped horizontal bar chart of req/s: one group per scenario, one bar per variant. */
function chartSvg(rounds, variants, scenarios, subtitle) {
  const barH = 16
  const gap = 3
  const groupGap = 26
  const left = 170
  const plotW = 560
  const top = 70
  const legendH = 20 * Math.ceil(variants.length / 2) + 10
  const max = Math.max(1, ...rounds.map((r) => r.load.rps))
  const step = 10 ** Math.floor(Math.log10(max))
  const niceMax = Math.ceil(max / step) * step
  const groupH = variants.length * (barH + gap) - gap
  const plotH = scenarios.length * (groupH + groupGap) - groupGap
  const width = left + plotW + 90
  const height = top + plotH + 40 + legendH
  const x = (v) => left + (v / niceMax) * plotW
  const parts = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">keyguard benchmark: requests per second by variant and scenario (${esc(subtitle)})</title>`,
  )
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(
    `<text x="${left}" y="24" font-size="16" font-weight="bold">Requests per second (higher is better)</text>`,
  )
  parts.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle)}</text>`)
  const ticks = 5
  for (let i = 0; i <= ticks; i++) {
    const v = (niceMax / ticks) * i
    const tx = x(v).toFixed(1)
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + plotH}" stroke="#e5e5e5"/>`,
      `<text x="${tx}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${int(v)}</text>`,
    )
  }
  scenarios.forEach((s, gi) => {
    const gy = top + gi * (groupH + groupGap)
    parts.push(
      `<text x="${left - 10}" y="${gy + groupH / 2 + 4}" text-anchor="end" font-weight="bold">${esc(s.label)}</text>`,
    )
    variants.forEach((v, vi) => {
      const r = rounds.find((q) => q.variant === v.id && q.scenario === s.id)
      if (!r) return
      const y = gy + vi * (barH + gap)
      const w = Math.max(1, x(r.load.rps) - left)
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[v.id] ?? '#444'}"><title>${esc(`${v.label}, ${s.label}: ${int(r.load.rps)} req/s, p50 ${fix(r.load.p50, 2)} ms, p99 ${fix(r.load.p99, 2)} ms`)}</title></rect>`,
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 4}" fill="#333">${int(r.load.rps)}</text>`,
      )
    })
  })
  parts.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`)
  const ly = top + plotH + 34
  variants.forEach((v, i) => {
    const lx = left + (i % 2) * 300
    const y = ly + Math.floor(i / 2) * 20
    parts.push(
      `<rect x="${lx}" y="${y}" width="12" height="12" fill="${COLORS[v.id] ?? '#444'}"/>`,
      `<text x="${lx + 18}" y="${y + 10}">${esc(v.label)}</text>`,
    )
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

module.exports = { chartSvg }
