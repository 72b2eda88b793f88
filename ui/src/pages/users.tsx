// Users: the list, and each user's page (its plan, usage and keys).

import { get, seg } from '../api'
import { ErrorMessage, Loading } from '../components/messages'
import { limit, num, utc, when } from '../format'
import { useResource } from '../hooks'
import type { ApiKey, Data, Page, User, UserUsage } from '../model'
import { href } from '../router'
import { KeyTable } from './keys'

export function UserTable(props: { users: User[] }) {
  if (props.users.length === 0) return <p class="muted">No users.</p>
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col" class="wide">
              Email
            </th>
            <th scope="col">Plan</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr key={String(u.user_id)}>
              <td>
                <a href={href('users', u.user_id)}>{u.name}</a>
                <div class="muted mono small">{String(u.user_id)}</div>
              </td>
              <td class="wide">{u.email ?? '—'}</td>
              <td>
                {u.plan_id === null ? '—' : <a href={href('plans', u.plan_id)}>{u.plan_id}</a>}
              </td>
              <td>{u.is_disabled ? 'disabled' : 'enabled'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function UsersPage() {
  const users = useResource(() => get<Page<User>>('/users'), [])
  return (
    <section>
      <h1 tabIndex={-1}>Users</h1>
      <p class="muted">
        The owners of keys. A key without a plan of its own takes its user's plan.
      </p>
      <ErrorMessage error={users.error} />
      {users.data ? (
        <UserTable users={users.data.data} />
      ) : users.error ? null : (
        <Loading what="users" />
      )}
    </section>
  )
}

export function UserPage(props: { id: string }) {
  const user = useResource(() => get<Data<User>>(`/users/${seg(props.id)}`), [props.id])
  const usage = useResource(() => get<Data<UserUsage>>(`/users/${seg(props.id)}/usage`), [props.id])
  const keys = useResource(() => get<Page<ApiKey>>(`/users/${seg(props.id)}/keys`), [props.id])
  const u = user.data?.data
  const use = usage.data?.data
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>{u ? `User ${u.name}` : `User ${props.id}`}</h1>
        <a href={href('users')}>All users</a>
      </div>
      <ErrorMessage error={user.error} />
      {u ? (
        <dl class="details">
          <dt>Id</dt>
          <dd class="mono">{String(u.user_id)}</dd>
          <dt>Email</dt>
          <dd>{u.email ?? '—'}</dd>
          <dt>Plan</dt>
          <dd>
            {u.plan_id === null ? (
              '—'
            ) : (
              <a href={href('plans', u.plan_id)}>{u.plan?.name ?? u.plan_id}</a>
            )}
          </dd>
          <dt>Status</dt>
          <dd>{u.is_disabled ? 'disabled: every key of the user is refused' : 'enabled'}</dd>
          <dt>Created</dt>
          <dd title={utc(u.created_at)}>{when(u.created_at)}</dd>
          {use ? (
            <>
              <dt>Usage</dt>
              <dd>
                {num(use.current_usage)} of {use.is_unlimited ? 'no limit' : limit(use.limit)}
                {use.percentage_used === null ? '' : ` (${use.percentage_used}%)`}
                {use.period_start
                  ? ` from ${when(use.period_start)} to ${when(use.period_end)}`
                  : ''}{' '}
                · {use.keys_count} key(s)
              </dd>
            </>
          ) : null}
        </dl>
      ) : user.error ? null : (
        <Loading what="the user" />
      )}
      <ErrorMessage error={usage.error} />
      <section aria-labelledby="user-keys-h">
        <h2 id="user-keys-h">Keys</h2>
        <ErrorMessage error={keys.error} />
        {keys.data ? (
          <KeyTable keys={keys.data.data} />
        ) : keys.error ? null : (
          <Loading what="keys" />
        )}
      </section>
    </section>
  )
}
