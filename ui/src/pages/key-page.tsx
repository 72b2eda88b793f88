// A key's page: details, lifecycle (edit, deactivate, reactivate, regenerate, revoke, delete),
// effective limits, live windows, usage chart, request log and audit trail.

import { useEffect, useState } from 'preact/hooks'
import { ApiError, call, get, seg } from '../api'
import { ConfirmDialog } from '../components/dialog'
import { Field } from '../components/fields'
import { ErrorMessage, Loading, StatusBadge } from '../components/messages'
import { SecretOnce } from '../components/secret'
import { json, utc, when } from '../format'
import { useAction, useResource } from '../hooks'
import type { ApiKey, ApiKeyWithSecret, Data, KeyUsage, Page, Plan, User } from '../model'
import { href, navigate } from '../router'
import { ACTIONS, AuditTrail } from './audit'
import { UsageSection } from './key-chart'
import { KeyForm } from './key-form'
import { EffectiveLimits, LiveWindows } from './key-limits'
import { RequestLog } from './key-requests'

type Dialog = 'deactivate' | 'revoke' | 'regenerate' | 'delete' | null

/** The key's plan for its limits: its own, else its user's (as the API computes them). */
async function limitsPlan(key: ApiKey): Promise<{ plan: Plan | null; from: string }> {
  if (key.plan_id !== null) {
    return {
      plan: (await get<Data<Plan>>(`/plans/${seg(key.plan_id)}`)).data,
      from: "the key's plan",
    }
  }
  if (key.user_id === null) return { plan: null, from: '' }
  try {
    const user = (await get<Data<User>>(`/users/${seg(key.user_id)}`)).data
    return { plan: user.plan ?? null, from: `the plan of user ${user.name}` }
  } catch (error) {
    // A key's user_id needs no user record.
    if (error instanceof ApiError && error.status === 404) return { plan: null, from: '' }
    throw error
  }
}

const AUDIT_ACTIONS = ACTIONS.filter((a) => a.startsWith('key.') || a === 'token.create')

export function KeyPage(props: { id: string }) {
  const [refresh, setRefresh] = useState(0)
  const [dialog, setDialog] = useState<Dialog>(null)
  const [editing, setEditing] = useState(false)
  const [secret, setSecret] = useState<{ value: string; grace: number } | null>(null)
  const [grace, setGrace] = useState('0')
  const bump = (): void => setRefresh((r) => r + 1)

  const key = useResource(
    () => call<Data<ApiKey>>('GET', `/keys/${seg(props.id)}`),
    [props.id, refresh],
  )
  const record = key.data?.body.data
  const plan = useResource(
    async () => (record ? limitsPlan(record) : { plan: null, from: '' }),
    [record?.plan_id, record?.user_id, record?.updated_at],
  )
  const plans = useResource(() => get<Page<Plan>>('/plans'), [])
  const usage = useResource(
    async () => (await get<Data<KeyUsage>>(`/keys/${seg(props.id)}/usage`)).data,
    [props.id, refresh],
  )
  const edit = useAction()
  const reactivate = useAction()

  // Live windows move with traffic: read them again every 15 s while the page is open.
  useEffect(() => {
    const timer = setInterval(() => usage.reload(), 15_000)
    return () => clearInterval(timer)
  }, [usage.reload])

  if (key.error) {
    return (
      <section>
        <h1 tabIndex={-1}>Key {props.id}</h1>
        <ErrorMessage error={key.error} />
        <a href={href('keys')}>Back to the keys</a>
      </section>
    )
  }
  if (!record) return <Loading what="the key" />

  const put = async (body: Record<string, unknown>, ifMatch?: string | null): Promise<void> => {
    await call<Data<ApiKey>>('PUT', `/keys/${seg(record.id)}`, { body, ifMatch: ifMatch ?? null })
    bump()
  }

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>
          {record.name} <StatusBadge status={record.status} />
        </h1>
        <a href={href('keys')}>All keys</a>
      </div>

      {secret ? (
        <SecretOnce
          secret={secret.value}
          note={
            secret.grace > 0
              ? `The old secret keeps working for ${secret.grace} more second(s).`
              : 'The old secret no longer works.'
          }
          onDone={() => setSecret(null)}
        />
      ) : null}

      {record.status === 'revoked' ? (
        <p class="notice">This key is revoked: for good. Its history stays.</p>
      ) : (
        <div class="toolbar">
          <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
          {record.status === 'active' ? (
            <button type="button" onClick={() => setDialog('deactivate')}>
              Deactivate
            </button>
          ) : (
            <button
              type="button"
              disabled={reactivate.busy}
              onClick={() => reactivate.run(() => put({ status: 'active' }))}
            >
              Reactivate
            </button>
          )}
          <button type="button" onClick={() => setDialog('regenerate')}>
            Regenerate…
          </button>
          <button type="button" class="danger" onClick={() => setDialog('revoke')}>
            Revoke…
          </button>
          <button type="button" class="danger" onClick={() => setDialog('delete')}>
            Delete…
          </button>
        </div>
      )}
      <ErrorMessage error={reactivate.error} />

      {editing ? (
        <section class="panel" aria-labelledby="edit-h">
          <h2 id="edit-h">Edit</h2>
          <KeyForm
            initial={record}
            plans={plans.data?.data ?? []}
            busy={edit.busy}
            error={edit.error}
            submitLabel="Save"
            onCancel={() => {
              edit.clear()
              setEditing(false)
            }}
            onSubmit={async (body) => {
              // If-Match: an edit made from a stale copy of the key is refused, not merged over.
              const done = await edit.run(async () => {
                await put(body, key.data?.etag ?? null)
                return true
              })
              if (done) setEditing(false)
            }}
          />
        </section>
      ) : null}

      <section aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <dl class="details">
          <dt>Id</dt>
          <dd class="mono">{record.id}</dd>
          <dt>Type</dt>
          <dd>{record.type}</dd>
          <dt>User</dt>
          <dd>
            {record.user_id === null ? (
              '—'
            ) : (
              <a href={href('users', record.user_id)}>{String(record.user_id)}</a>
            )}
          </dd>
          <dt>Plan</dt>
          <dd>
            {record.plan_id === null ? (
              '—'
            ) : (
              <a href={href('plans', record.plan_id)}>{record.plan_id}</a>
            )}
          </dd>
          <dt>Category</dt>
          <dd>{record.category ?? '—'}</dd>
          <dt>Scopes</dt>
          <dd class="mono">{record.scopes.length ? record.scopes.join(', ') : '—'}</dd>
          <dt>Expires</dt>
          <dd title={utc(record.expires_at)}>
            {record.expires_at ? when(record.expires_at) : 'never'}
          </dd>
          <dt>Created</dt>
          <dd title={utc(record.created_at)}>{when(record.created_at)}</dd>
          <dt>Updated</dt>
          <dd title={utc(record.updated_at)}>{when(record.updated_at)}</dd>
          <dt>Last used</dt>
          <dd title={utc(record.last_used_at)}>{when(record.last_used_at)}</dd>
          <dt>Metadata</dt>
          <dd>
            {Object.keys(record.metadata).length === 0 ? (
              '—'
            ) : (
              <pre class="mono">{json(record.metadata)}</pre>
            )}
          </dd>
        </dl>
      </section>

      <div class="two-columns">
        {plan.data ? (
          <EffectiveLimits keyRecord={record} plan={plan.data.plan} planFrom={plan.data.from} />
        ) : (
          <ErrorMessage error={plan.error} />
        )}
        <LiveWindows usage={usage} />
      </div>

      <UsageSection keyId={record.id} refresh={refresh} />
      <div class="page-head">
        <span />
        <button type="button" onClick={bump}>
          Refresh usage, log and trail
        </button>
      </div>
      <RequestLog keyId={record.id} refresh={refresh} />

      <section aria-labelledby="key-audit-h">
        <h2 id="key-audit-h">Audit trail</h2>
        <AuditTrail target={{ id: record.id, actions: AUDIT_ACTIONS }} refresh={refresh} />
      </section>

      {dialog === 'deactivate' ? (
        <ConfirmDialog
          title="Deactivate this key?"
          confirmLabel="Deactivate"
          danger
          onClose={() => setDialog(null)}
          onConfirm={() => put({ status: 'inactive' })}
        >
          <p>
            From the very next request, <strong>{record.name}</strong> is refused with 401
            INACTIVE_API_KEY, and its client tokens stop working. You can reactivate it later.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog === 'revoke' ? (
        <ConfirmDialog
          title="Revoke this key for good?"
          confirmLabel="Revoke"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await call('POST', `/keys/${seg(record.id)}/revoke`)
            bump()
          }}
        >
          <p>
            <strong>{record.name}</strong> will never work again and can never be changed or
            reactivated. Its usage, request log and audit trail stay.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog === 'delete' ? (
        <ConfirmDialog
          title="Delete this key?"
          confirmLabel="Delete"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await call('DELETE', `/keys/${seg(record.id)}`)
            navigate('keys')
          }}
        >
          <p>
            <strong>{record.name}</strong> and its counters are deleted. A key that was ever used
            cannot be deleted (deactivate or revoke it instead).
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog === 'regenerate' ? (
        <ConfirmDialog
          title="Regenerate the secret?"
          confirmLabel="Regenerate"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const seconds = Number(grace)
            if (!/^\d+$/.test(grace.trim()) || seconds > 30 * 86400) {
              throw new ApiError(
                0,
                '',
                'The grace period is a whole number of seconds, 0 to 2592000 (30 days)',
              )
            }
            const answer = await call<Data<ApiKeyWithSecret>>(
              'POST',
              `/keys/${seg(record.id)}/regenerate`,
              {
                body: { grace_seconds: seconds },
              },
            )
            setSecret({ value: answer.body.data.api_key, grace: seconds })
            bump()
          }}
        >
          <p>
            A new secret is made and shown once. The old one stops working now, or after the grace
            period, so that clients can move to the new one.
          </p>
          <Field
            label="Grace period (seconds)"
            hint="0 = the old secret dies now; at most 30 days (2592000)."
          >
            {(id, describedBy) => (
              <input
                id={id}
                type="number"
                min={0}
                max={2592000}
                step={1}
                value={grace}
                aria-describedby={describedBy}
                onInput={(event) => setGrace(event.currentTarget.value)}
              />
            )}
          </Field>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}
