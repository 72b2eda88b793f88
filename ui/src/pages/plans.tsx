// Plans: the list, a new plan, and each plan's page (edit, usage, its keys and users).

import { useState } from 'preact/hooks'
import { call, get, seg } from '../api'
import { ConfirmDialog } from '../components/dialog'
import { ErrorMessage, Loading } from '../components/messages'
import { limit, num } from '../format'
import { useAction, useResource } from '../hooks'
import type { ApiKey, Data, Page, Plan, PlanUsage, RateLimits, User } from '../model'
import { href, navigate } from '../router'
import { KeyTable } from './keys'
import { PlanForm } from './plan-form'
import { UserTable } from './users'

/** "10/s (burst 20), 600/min" or "none". */
export function rateText(rate: RateLimits): string {
  const parts: string[] = []
  if (rate.per_second != null) {
    parts.push(
      `${num(rate.per_second)}/s${rate.burst != null ? ` (burst ${num(rate.burst)})` : ''}`,
    )
  }
  if (rate.per_minute != null) parts.push(`${num(rate.per_minute)}/min`)
  return parts.length ? parts.join(', ') : 'none'
}

export function quotaText(quotas: Plan['quotas']): string {
  const parts = (['daily', 'weekly', 'monthly', 'yearly'] as const)
    .filter((w) => quotas[w] != null)
    .map((w) => `${num(quotas[w])} ${w}`)
  return parts.length ? parts.join(', ') : 'none'
}

export function PlansPage() {
  const plans = useResource(() => get<Page<Plan>>('/plans'), [])
  const [creating, setCreating] = useState(false)
  const create = useAction()
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Plans</h1>
        {creating ? null : (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New plan
          </button>
        )}
      </div>
      {creating ? (
        <section class="panel" aria-labelledby="new-plan-h">
          <h2 id="new-plan-h">New plan</h2>
          <PlanForm
            busy={create.busy}
            error={create.error}
            submitLabel="Create plan"
            onCancel={() => {
              create.clear()
              setCreating(false)
            }}
            onSubmit={async (body) => {
              const made = await create.run(() => call<Data<Plan>>('POST', '/plans', { body }))
              if (made) {
                setCreating(false)
                navigate('plans', made.body.data.id)
              }
            }}
          />
        </section>
      ) : null}
      <ErrorMessage error={plans.error} />
      {plans.data ? (
        plans.data.data.length === 0 ? (
          <p class="muted">No plans yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Rate</th>
                  <th scope="col">Quotas</th>
                  <th scope="col" class="wide">
                    Windows
                  </th>
                  <th scope="col" class="wide">
                    Active
                  </th>
                </tr>
              </thead>
              <tbody>
                {plans.data.data.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={href('plans', p.id)}>{p.name}</a>
                      <div class="muted mono small">{p.id}</div>
                    </td>
                    <td>{rateText(p.rate)}</td>
                    <td>{quotaText(p.quotas)}</td>
                    <td class="wide">{p.quota_window}</td>
                    <td class="wide">{p.is_active ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : plans.error ? null : (
        <Loading what="plans" />
      )}
    </section>
  )
}

export function PlanPage(props: { id: string }) {
  const [refresh, setRefresh] = useState(0)
  const [editing, setEditing] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const plan = useResource(() => get<Data<Plan>>(`/plans/${seg(props.id)}`), [props.id, refresh])
  const usage = useResource(
    () => get<Data<PlanUsage>>(`/plans/${seg(props.id)}/usage`),
    [props.id, refresh],
  )
  const keys = useResource(
    () => get<Data<{ api_keys: ApiKey[] }>>(`/plans/${seg(props.id)}/keys`),
    [props.id, refresh],
  )
  const users = useResource(
    () => get<Data<{ users: User[] }>>(`/plans/${seg(props.id)}/users`),
    [props.id, refresh],
  )
  const save = useAction()
  const p = plan.data?.data
  if (plan.error) {
    return (
      <section>
        <h1 tabIndex={-1}>Plan {props.id}</h1>
        <ErrorMessage error={plan.error} />
        <a href={href('plans')}>All plans</a>
      </section>
    )
  }
  if (!p) return <Loading what="the plan" />
  const u = usage.data?.data
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Plan {p.name}</h1>
        <a href={href('plans')}>All plans</a>
      </div>
      <div class="toolbar">
        <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          Edit
        </button>
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete…
        </button>
      </div>
      {editing ? (
        <section class="panel" aria-labelledby="edit-plan-h">
          <h2 id="edit-plan-h">Edit</h2>
          <PlanForm
            initial={p}
            busy={save.busy}
            error={save.error}
            submitLabel="Save"
            onCancel={() => {
              save.clear()
              setEditing(false)
            }}
            onSubmit={async (body) => {
              const done = await save.run(() => call('PUT', `/plans/${seg(p.id)}`, { body }))
              if (done) {
                setEditing(false)
                setRefresh((r) => r + 1)
              }
            }}
          />
        </section>
      ) : null}
      <dl class="details">
        <dt>Id</dt>
        <dd class="mono">{p.id}</dd>
        <dt>Description</dt>
        <dd>{p.description ?? '—'}</dd>
        <dt>Rate</dt>
        <dd>{rateText(p.rate)}</dd>
        <dt>Quotas</dt>
        <dd>{quotaText(p.quotas)}</dd>
        <dt>Quota windows</dt>
        <dd>{p.quota_window}</dd>
        <dt>Rate shared per</dt>
        <dd>{p.rate_scope}</dd>
        <dt>Active</dt>
        <dd>{p.is_active ? 'yes' : 'no (cannot be given to more keys or users)'}</dd>
        {u ? (
          <>
            <dt>Usage</dt>
            <dd>
              {num(u.total_requests)} request(s)
              {u.request_period ? ` this ${u.request_period}` : ''} of{' '}
              {u.is_unlimited ? 'no limit' : limit(u.max_requests)}
              {u.percentage_used === null ? '' : ` (${u.percentage_used}%)`} · {u.api_keys_count}{' '}
              key(s), {u.users_count} user(s)
            </dd>
          </>
        ) : null}
      </dl>
      <ErrorMessage error={usage.error} />
      <section aria-labelledby="plan-keys-h">
        <h2 id="plan-keys-h">Keys on this plan</h2>
        <ErrorMessage error={keys.error} />
        {keys.data ? <KeyTable keys={keys.data.data.api_keys} /> : <Loading what="keys" />}
      </section>
      <section aria-labelledby="plan-users-h">
        <h2 id="plan-users-h">Users on this plan</h2>
        <ErrorMessage error={users.error} />
        {users.data ? <UserTable users={users.data.data.users} /> : <Loading what="users" />}
      </section>
      {deleting ? (
        <ConfirmDialog
          title="Delete this plan?"
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await call('DELETE', `/plans/${seg(p.id)}`)
            navigate('plans')
          }}
        >
          <p>
            The plan <strong>{p.name}</strong> is deleted. A plan that keys or users still use
            cannot be deleted.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}
