// A key's request log, newest first. The API pages it without filters, so the filters (status,
// date) apply here to the entries loaded so far; "Show more" reads further pages when needed.

import { useEffect, useState } from 'preact/hooks'
import { get, query, seg } from '../api'
import { Select, TextInput } from '../components/fields'
import { ErrorMessage, Loading } from '../components/messages'
import { num, utc, when } from '../format'
import { useAction } from '../hooks'
import type { Data, RequestPage, RequestRecord } from '../model'

/** Entries read per request, and entries shown per step of "Show more". */
const PAGE = 100
const STEP = 25

interface Filters {
  status: string
  from: string
  to: string
}

/**
 * The entries that pass the filters, newest first (the log is in the order entries reached the
 * store, which batches may shuffle a little); `from`/`to` are local dates, both inclusive.
 */
export function filterRequests(entries: RequestRecord[], f: Filters): RequestRecord[] {
  const from = f.from ? new Date(`${f.from}T00:00:00`).getTime() : -Infinity
  const to = f.to ? new Date(`${f.to}T00:00:00`).getTime() + 86_400_000 : Infinity
  return entries
    .filter((e) => {
      const t = Date.parse(e.timestamp)
      return (f.status === '' || e.status === f.status) && t >= from && t < to
    })
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp))
}

export function RequestLog(props: { keyId: string; refresh: number }) {
  const [entries, setEntries] = useState<RequestRecord[]>([])
  const [count, setCount] = useState<number | null>(null)
  const [pages, setPages] = useState(0)
  const [filters, setFilters] = useState<Filters>({ status: '', from: '', to: '' })
  const [visible, setVisible] = useState(STEP)
  const load = useAction()

  const fetchPage = async (page: number): Promise<RequestPage> =>
    (
      await get<Data<RequestPage>>(
        `/keys/${seg(props.keyId)}/requests${query({ page, limit: PAGE })}`,
      )
    ).data

  useEffect(() => {
    let live = true
    load.run(async () => {
      const first = await fetchPage(1)
      if (!live) return
      setEntries(first.requests)
      setCount(first.count)
      setPages(1)
      setVisible(STEP)
    })
    return () => {
      live = false
    }
  }, [props.keyId, props.refresh])

  const shown = filterRequests(entries, filters)
  const more = (): void => {
    setVisible(visible + STEP)
    // Past what is loaded: read the next page of older requests.
    if (visible + STEP > shown.length && count !== null && entries.length < count) {
      load.run(async () => {
        const next = await fetchPage(pages + 1)
        setEntries((e) => [...e, ...next.requests])
        setCount(next.count)
        setPages(pages + 1)
      })
    }
  }
  const filtered = filters.status !== '' || filters.from !== '' || filters.to !== ''
  return (
    <section aria-labelledby="requests-h">
      <h2 id="requests-h">Request log</h2>
      <form
        class="filters"
        aria-label="Filter the request log"
        onSubmit={(e) => e.preventDefault()}
      >
        <Select
          label="Status"
          value={filters.status}
          onChange={(status) => setFilters({ ...filters, status })}
          options={[
            ['', 'any'],
            ['allowed', 'allowed'],
            ['rejected', 'rejected'],
          ]}
        />
        <TextInput
          label="From (date)"
          type="date"
          value={filters.from}
          onInput={(from) => setFilters({ ...filters, from })}
        />
        <TextInput
          label="To (date)"
          type="date"
          value={filters.to}
          onInput={(to) => setFilters({ ...filters, to })}
        />
      </form>
      <p class="muted small" aria-live="polite">
        {count === null
          ? ''
          : `${entries.length} of ${count} logged request(s) loaded${
              filtered
                ? `; ${shown.length} match the filters (filters apply to the loaded ones)`
                : ''
            }; ${Math.min(visible, shown.length)} shown.`}
      </p>
      <ErrorMessage error={load.error} />
      {count === null && load.busy ? <Loading what="requests" /> : null}
      {shown.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col" class="wide">
                  Duration
                </th>
                <th scope="col" class="wide">
                  IP
                </th>
                <th scope="col" class="wide">
                  Credits
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, visible).map((e, i) => (
                <tr
                  key={`${e.timestamp}-${i}`}
                  class={e.status === 'rejected' ? 'rejected' : undefined}
                >
                  <td title={utc(e.timestamp)}>{when(e.timestamp)}</td>
                  <td class="mono break">
                    {e.method} {e.endpoint}
                  </td>
                  <td>
                    {e.status_code} {e.status}
                    {e.reason ? <div class="small">{e.reason}</div> : null}
                  </td>
                  <td class="wide">{num(e.duration_ms)} ms</td>
                  <td class="wide mono">{e.ip_address ?? '—'}</td>
                  <td class="wide">{num(e.credits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : count !== null ? (
        <p class="muted">No requests{filtered ? ' match the filters' : ' logged'}.</p>
      ) : null}
      {visible < shown.length || (count !== null && entries.length < count) ? (
        <button type="button" onClick={more} disabled={load.busy}>
          Show more
        </button>
      ) : null}
    </section>
  )
}
