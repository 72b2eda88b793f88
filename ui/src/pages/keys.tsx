// The keys list: filters (status, plan, user, category), a search by name, pages, and "New key".

import { useEffect, useId, useState } from 'preact/hooks'
import { call, get, query } from '../api'
import { Field, Select, TextInput } from '../components/fields'
import { ErrorMessage, Loading, StatusBadge } from '../components/messages'
import { Pager } from '../components/pager'
import { SecretOnce } from '../components/secret'
import { utc, when } from '../format'
import { useAction, useResource } from '../hooks'
import type { ApiKey, ApiKeyWithSecret, Data, Page, Plan, User } from '../model'
import { href } from '../router'
import { KeyForm } from './key-form'

/** A search reads at most this many keys (newest first), 100 per request. */
export const SEARCH_SCAN = 1000

interface Filters {
  status: string
  plan_id: string
  user_id: string
  category: string
}

/** The page of keys: the API's own page, or with a search, a page of the matches it found. */
async function loadKeys(
  filters: Filters,
  search: string,
  page: number,
  limit: number,
): Promise<Page<ApiKey> & { scanned?: number; total?: number }> {
  const server = { ...filters }
  if (search === '') return get<Page<ApiKey>>(`/keys${query({ ...server, page, limit })}`)
  // The API has no name filter: read the matching keys, newest first, and search their names.
  const needle = search.toLowerCase()
  const found: ApiKey[] = []
  let total = 0
  let scanned = 0
  for (let p = 1; scanned < SEARCH_SCAN; p++) {
    const answer = await get<Page<ApiKey>>(`/keys${query({ ...server, page: p, limit: 100 })}`)
    total = answer.count
    scanned += answer.data.length
    for (const key of answer.data) {
      if (key.name.toLowerCase().includes(needle) || key.id === search) found.push(key)
    }
    if (answer.data.length < 100 || scanned >= total) break
  }
  const start = (page - 1) * limit
  return { data: found.slice(start, start + limit), count: found.length, scanned, total }
}

export function KeysPage() {
  const [filters, setFilters] = useState<Filters>({
    status: '',
    plan_id: '',
    user_id: '',
    category: '',
  })
  const [searchText, setSearchText] = useState('')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(1)
  const [limit, setLimit] = useState(25)
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<ApiKeyWithSecret | null>(null)
  const usersList = useId()

  // The search runs when typing pauses, not on every key press.
  useEffect(() => {
    const timer = setTimeout(() => setSearch(searchText.trim()), 250)
    return () => clearTimeout(timer)
  }, [searchText])
  useEffect(() => setPage(1), [filters, search, limit])

  const keys = useResource(
    () => loadKeys(filters, search, page, limit),
    [filters, search, page, limit],
  )
  const plans = useResource(() => get<Page<Plan>>('/plans'), [])
  const users = useResource(() => get<Page<User>>('/users'), [])
  const action = useAction()

  const set = (name: keyof Filters) => (value: string) => setFilters({ ...filters, [name]: value })

  if (created) {
    return (
      <section>
        <h1 tabIndex={-1}>Key created: {created.name}</h1>
        <SecretOnce
          secret={created.api_key}
          onDone={() => {
            setCreated(null)
            keys.reload()
          }}
        />
        <p>
          <a href={href('keys', created.id)}>Open the key's page</a>
        </p>
      </section>
    )
  }

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Keys</h1>
        {creating ? null : (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New key
          </button>
        )}
      </div>
      {creating ? (
        <section class="panel" aria-label="New key">
          <h2>New key</h2>
          <KeyForm
            plans={plans.data?.data ?? []}
            busy={action.busy}
            error={action.error}
            submitLabel="Create key"
            onCancel={() => {
              action.clear()
              setCreating(false)
            }}
            onSubmit={async (body) => {
              const answer = await action.run(() =>
                call<Data<ApiKeyWithSecret>>('POST', '/keys', { body }),
              )
              if (answer) {
                setCreating(false)
                setCreated(answer.body.data)
              }
            }}
          />
        </section>
      ) : null}
      <form class="filters" aria-label="Filter keys" onSubmit={(e) => e.preventDefault()}>
        <TextInput
          label="Search by name"
          type="search"
          value={searchText}
          onInput={setSearchText}
        />
        <Select
          label="Status"
          value={filters.status}
          onChange={set('status')}
          options={[
            ['', 'any'],
            ['active', 'active'],
            ['inactive', 'inactive'],
            ['revoked', 'revoked'],
          ]}
        />
        <Select
          label="Plan"
          value={filters.plan_id}
          onChange={set('plan_id')}
          options={[
            ['', 'any'],
            ...(plans.data?.data ?? []).map((p): [string, string] => [p.id, `${p.name} (${p.id})`]),
          ]}
        />
        <Field label="User id">
          {(id) => (
            <input
              id={id}
              type="text"
              list={usersList}
              value={filters.user_id}
              onChange={(event) => set('user_id')(event.currentTarget.value.trim())}
            />
          )}
        </Field>
        <datalist id={usersList}>
          {(users.data?.data ?? []).map((u) => (
            <option key={String(u.user_id)} value={String(u.user_id)}>
              {u.name}
            </option>
          ))}
        </datalist>
        <Field label="Category">
          {(id) => (
            <input
              id={id}
              type="text"
              value={filters.category}
              onChange={(event) => set('category')(event.currentTarget.value.trim())}
            />
          )}
        </Field>
        <Select
          label="Per page"
          value={String(limit)}
          onChange={(v) => setLimit(Number(v))}
          options={[
            ['10', '10'],
            ['25', '25'],
            ['50', '50'],
            ['100', '100'],
          ]}
        />
      </form>
      {keys.data?.scanned !== undefined &&
      keys.data.total !== undefined &&
      keys.data.scanned < keys.data.total ? (
        <p class="notice" role="status">
          The search read the newest {keys.data.scanned} of {keys.data.total} keys: narrow it with
          the filters to search the others.
        </p>
      ) : null}
      <ErrorMessage error={keys.error} />
      {keys.data ? (
        <>
          <KeyTable keys={keys.data.data} plans={plans.data?.data ?? []} />
          <Pager
            label="Pages of keys"
            page={page}
            limit={limit}
            count={keys.data.count}
            onPage={setPage}
          />
        </>
      ) : keys.loading ? (
        <Loading what="keys" />
      ) : null}
    </section>
  )
}

export function KeyTable(props: { keys: ApiKey[]; plans?: Plan[]; caption?: string }) {
  const planName = (id: string | null): string =>
    id === null ? '—' : (props.plans?.find((p) => p.id === id)?.name ?? id)
  if (props.keys.length === 0) return <p class="muted">No keys.</p>
  return (
    <div class="table-wrap">
      <table>
        {props.caption ? <caption>{props.caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Plan</th>
            <th scope="col" class="wide">
              User
            </th>
            <th scope="col" class="wide">
              Category
            </th>
            <th scope="col" class="wide">
              Created
            </th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => (
            <tr key={key.id}>
              <td>
                <a href={href('keys', key.id)}>{key.name}</a>
                <div class="muted mono small">{key.id}</div>
              </td>
              <td>
                <StatusBadge status={key.status} />
              </td>
              <td>{planName(key.plan_id)}</td>
              <td class="wide">{key.user_id === null ? '—' : String(key.user_id)}</td>
              <td class="wide">{key.category ?? '—'}</td>
              <td class="wide" title={utc(key.created_at)}>
                {when(key.created_at)}
              </td>
              <td title={utc(key.last_used_at)}>{when(key.last_used_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
