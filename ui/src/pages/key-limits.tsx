// A key's effective limits and where each comes from, and its live quota windows.

import { ErrorMessage, Loading } from '../components/messages'
import { limit, num, utc, when } from '../format'
import type { Resource } from '../hooks'
import type { ApiKey, KeyUsage, Plan } from '../model'
import { href } from '../router'

type Source = { text: string; plan?: Plan }
interface Row {
  name: string
  value: number | null
  source: Source
}

const RATE = [
  ['per_second', 'Rate per second'],
  ['burst', 'Burst'],
  ['per_minute', 'Rate per minute'],
] as const
const QUOTAS = [
  ['total', 'Total quota (credits)'],
  ['daily', 'Daily quota'],
  ['weekly', 'Weekly quota'],
  ['monthly', 'Monthly quota'],
  ['yearly', 'Yearly quota'],
] as const

/** The limits the guard enforces: the key's own value, else its plan's (as src/limits/effective.ts). */
export function effectiveRows(key: ApiKey, plan: Plan | null): Row[] {
  const rows: Row[] = []
  const pick = (
    name: string,
    own: number | null | undefined,
    fromPlan: number | null | undefined,
  ) => {
    if (own !== null && own !== undefined) rows.push({ name, value: own, source: { text: 'key' } })
    else if (plan && fromPlan !== null && fromPlan !== undefined)
      rows.push({ name, value: fromPlan, source: { text: 'plan', plan } })
    else rows.push({ name, value: null, source: { text: 'none' } })
  }
  for (const [field, name] of RATE) pick(name, key.rate[field], plan?.rate[field])
  // Burst defaults to the per-second rate.
  const burst = rows[1]
  if (burst && burst.value === null && rows[0]?.value !== null && rows[0]) {
    rows[1] = {
      name: burst.name,
      value: rows[0].value,
      source: { text: 'default: the per-second rate' },
    }
  }
  for (const [field, name] of QUOTAS) {
    pick(name, key.quotas[field], field === 'total' ? null : plan?.quotas[field])
  }
  return rows
}

export function EffectiveLimits(props: { keyRecord: ApiKey; plan: Plan | null; planFrom: string }) {
  const rows = effectiveRows(props.keyRecord, props.plan)
  return (
    <section aria-labelledby="limits-h">
      <h2 id="limits-h">Effective limits</h2>
      <p class="muted">
        {props.plan
          ? `Plan: ${props.plan.name} (${props.planFrom}). A key's own value overrides its plan's, field by field.`
          : 'No plan: only the key’s own limits apply.'}{' '}
        Quota windows: {props.plan?.quota_window ?? 'rolling'}; rate shared per{' '}
        {props.plan?.rate_scope ?? 'key'}.
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Limit</th>
              <th scope="col">Value</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name}>
                <th scope="row">{row.name}</th>
                <td>{limit(row.value)}</td>
                <td>
                  {row.source.plan ? (
                    <>
                      plan <a href={href('plans', row.source.plan.id)}>{row.source.plan.name}</a>
                    </>
                  ) : (
                    row.source.text
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export function LiveWindows(props: { usage: Resource<KeyUsage> }) {
  const { data, error } = props.usage
  return (
    <section aria-labelledby="windows-h">
      <div class="page-head">
        <h2 id="windows-h">Live windows</h2>
        <button type="button" onClick={props.usage.reload} aria-label="Refresh the live windows">
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} />
      {data === undefined ? (
        error ? null : (
          <Loading what="usage" />
        )
      ) : (
        <>
          <p>
            Credits used in all: <strong>{num(data.total_requests)}</strong>
            {data.totalRequests === undefined ? null : (
              <> · requests admitted: {num(data.totalRequests)}</>
            )}
          </p>
          {data.windows.length === 0 ? (
            <p class="muted">No quota and no rate: nothing is counted against a limit.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Window</th>
                    <th scope="col">Used</th>
                    <th scope="col">Limit</th>
                    <th scope="col">Remaining</th>
                    <th scope="col">Resets</th>
                  </tr>
                </thead>
                <tbody>
                  {data.windows.map((w) => (
                    <tr key={w.period}>
                      <th scope="row">{w.period}</th>
                      <td>{num(w.used)}</td>
                      <td>{num(w.limit)}</td>
                      <td>{num(w.remaining)}</td>
                      <td title={utc(w.reset_time)}>
                        {w.reset_time ? when(w.reset_time) : w.period === 'total' ? 'never' : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="muted small">
            Rates (second, minute) show their bucket now: used is what it holds, and it is full
            again at the reset. A rate shared by the user is the user's bucket.
          </p>
        </>
      )}
    </section>
  )
}
