// A key's usage chart (uPlot): requests per hour over 7 days or per day over 90, allowed against
// rejected by code, with the totals as text and the numbers as a table for screen readers.

import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { get, query, seg } from '../api'
import { ErrorMessage, Loading } from '../components/messages'
import { num, when } from '../format'
import { useResource } from '../hooks'
import type { Data, Granularity, KeySeries, SeriesPoint } from '../model'

const ALLOWED_COLOR = '#2e7d32'
const CODE_COLORS = ['#c62828', '#ef6c00', '#6a1b9a', '#1565c0', '#ad1457', '#5d4037', '#00838f']
const HEIGHT = 260

/** A point's time in ms: ISO text, or a number of ms (or of seconds, for small numbers). */
export function pointMs(t: string | number): number {
  if (typeof t === 'number') return t < 1e11 ? t * 1000 : t
  return Date.parse(t)
}

/** The lines to draw: allowed, then one per rejection code (and "other" for uncoded rejections). */
export function seriesLines(points: SeriesPoint[]): Array<{ label: string; values: number[] }> {
  const codes = [...new Set(points.flatMap((p) => Object.keys(p.rejected_by ?? {})))].sort()
  const lines = [{ label: 'allowed', values: points.map((p) => p.allowed) }]
  for (const code of codes) {
    lines.push({ label: code, values: points.map((p) => p.rejected_by?.[code] ?? 0) })
  }
  const other = points.map(
    (p) => p.rejected - Object.values(p.rejected_by ?? {}).reduce((a, b) => a + b, 0),
  )
  if (other.some((n) => n > 0)) lines.push({ label: 'rejected (other)', values: other })
  return lines
}

function Chart(props: { series: KeySeries }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const points = props.series.points
    const lines = seriesLines(points)
    const data: uPlot.AlignedData = [
      points.map((p) => pointMs(p.t) / 1000),
      ...lines.map((line) => line.values),
    ]
    const stepped = uPlot.paths.stepped?.({ align: 1 })
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          { label: props.series.granularity === 'hour' ? 'Hour' : 'Day' },
          ...lines.map((line, i) => {
            const color =
              i === 0 ? ALLOWED_COLOR : (CODE_COLORS[(i - 1) % CODE_COLORS.length] ?? '#c62828')
            return {
              label: line.label,
              stroke: color,
              width: 2,
              ...(stepped ? { paths: stepped } : {}),
              points: { show: false },
            }
          }),
        ],
        axes: [{}, { label: 'requests', size: 60 }],
        legend: { live: true },
      },
      data,
      element,
    )
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [props.series])
  return (
    <div
      ref={box}
      class="chart"
      role="img"
      aria-label="Usage chart: allowed and rejected requests over time"
    />
  )
}

function Totals(props: { series: KeySeries }) {
  const lines = seriesLines(props.series.points)
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  const allowed = sum(lines[0]?.values ?? [])
  const rejected = props.series.points.reduce((a, p) => a + p.rejected, 0)
  return (
    <p data-testid="series-totals">
      {props.series.granularity === 'hour' ? 'Last 7 days' : 'Last 90 days'}:{' '}
      <strong>{num(allowed)}</strong> allowed, <strong>{num(rejected)}</strong> rejected
      {lines.length > 1
        ? ` (${lines
            .slice(1)
            .map((l) => `${l.label}: ${num(sum(l.values))}`)
            .join(', ')})`
        : ''}
      .
    </p>
  )
}

function DataTable(props: { series: KeySeries }) {
  const lines = seriesLines(props.series.points)
  const rows = props.series.points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.allowed > 0 || p.rejected > 0)
  return (
    <details>
      <summary>
        The numbers ({rows.length} {props.series.granularity}s with traffic)
      </summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{props.series.granularity === 'hour' ? 'Hour' : 'Day'} starting</th>
              {lines.map((l) => (
                <th scope="col" key={l.label}>
                  {l.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ p, i }) => (
              <tr key={String(p.t)}>
                <td>{when(pointMs(p.t))}</td>
                {lines.map((l) => (
                  <td key={l.label}>{num(l.values[i])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}

export function UsageSection(props: { keyId: string; refresh: number }) {
  const [granularity, setGranularity] = useState<Granularity>('hour')
  const series = useResource(
    () => get<Data<KeySeries>>(`/keys/${seg(props.keyId)}/series${query({ granularity })}`),
    [props.keyId, granularity, props.refresh],
  )
  return (
    <section aria-labelledby="usage-h">
      <div class="page-head">
        <h2 id="usage-h">Usage</h2>
        <fieldset class="segmented">
          <legend class="visually-hidden">Chart period</legend>
          <button
            type="button"
            aria-pressed={granularity === 'hour'}
            onClick={() => setGranularity('hour')}
          >
            Per hour, 7 days
          </button>
          <button
            type="button"
            aria-pressed={granularity === 'day'}
            onClick={() => setGranularity('day')}
          >
            Per day, 90 days
          </button>
        </fieldset>
      </div>
      <ErrorMessage error={series.error} />
      {series.data ? (
        <>
          <Totals series={series.data.data} />
          <Chart series={series.data.data} />
          <DataTable series={series.data.data} />
        </>
      ) : series.error ? null : (
        <Loading what="usage" />
      )}
    </section>
  )
}
