// The audit trail: every admin change, newest first, filtered by action and target (GET /audit).

import { useState } from 'preact/hooks'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../../../src/store/audit-records'
import { get, query } from '../api'
import { Select, TextInput } from '../components/fields'
import { ErrorMessage, Loading } from '../components/messages'
import { Pager } from '../components/pager'
import { json, utc, when } from '../format'
import { useResource } from '../hooks'
import type { AuditRecord, Page } from '../model'
import { href } from '../router'

// The server's lists, so a new action or target type reaches the filters with no edit here.
export const ACTIONS: readonly string[] = AUDIT_ACTIONS
const TARGET_TYPES: readonly string[] = AUDIT_TARGET_TYPES

/** A link to what a record is about, when the page has one. */
function Target(props: { target: AuditRecord['target'] }) {
  const { type, id } = props.target
  const to =
    type === 'key' || type === 'token'
      ? href('keys', id)
      : type === 'plan'
        ? href('plans', id)
        : type === 'user'
          ? href('users', id)
          : null
  const text = `${type}:${id}`
  return to ? (
    <a href={to} class="mono">
      {text}
    </a>
  ) : (
    <span class="mono">{text}</span>
  )
}

export function AuditTable(props: { records: AuditRecord[]; showTarget: boolean }) {
  if (props.records.length === 0) return <p class="muted">No audit records.</p>
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            {props.showTarget ? <th scope="col">Target</th> : null}
            <th scope="col" class="wide">
              Actor
            </th>
            <th scope="col" class="wide">
              IP
            </th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r) => (
            <tr key={r.id}>
              <td title={utc(r.time)}>{when(r.time)}</td>
              <td>{r.action}</td>
              {props.showTarget ? (
                <td>
                  <Target target={r.target} />
                </td>
              ) : null}
              <td class="wide mono">{r.actor}</td>
              <td class="wide mono">{r.ip ?? '—'}</td>
              <td>
                {Object.keys(r.changes ?? {}).length === 0 ? (
                  '—'
                ) : (
                  <details>
                    <summary>{Object.keys(r.changes).join(', ')}</summary>
                    <pre class="mono">{json(r.changes)}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * One target's trail (a key's page: its id, and the actions to offer), or the whole trail with
 * filters (the audit page).
 */
export function AuditTrail(props: {
  target?: { id: string; actions: string[] }
  refresh?: number
}) {
  const [action, setAction] = useState('')
  const [targetType, setTargetType] = useState('')
  const [targetId, setTargetId] = useState('')
  const [page, setPage] = useState(1)
  const limit = props.target ? 10 : 25
  const filters = props.target
    ? { target_id: props.target.id, action }
    : { target_type: targetType, target_id: targetId.trim(), action }
  const records = useResource(
    () => get<Page<AuditRecord>>(`/audit${query({ ...filters, page, limit })}`),
    [JSON.stringify(filters), page, props.refresh],
  )
  const choose = (set: (v: string) => void) => (value: string) => {
    set(value)
    setPage(1)
  }
  return (
    <>
      <form
        class="filters"
        aria-label="Filter the audit trail"
        onSubmit={(e) => e.preventDefault()}
      >
        <Select
          label="Action"
          value={action}
          onChange={choose(setAction)}
          options={[
            ['', 'any'],
            ...(props.target?.actions ?? ACTIONS).map((a): [string, string] => [a, a]),
          ]}
        />
        {props.target ? null : (
          <>
            <Select
              label="Target type"
              value={targetType}
              onChange={choose(setTargetType)}
              options={[['', 'any'], ...TARGET_TYPES.map((t): [string, string] => [t, t])]}
            />
            <TextInput label="Target id" value={targetId} onInput={choose(setTargetId)} mono />
          </>
        )}
      </form>
      <ErrorMessage error={records.error} />
      {records.data ? (
        <>
          <AuditTable records={records.data.data} showTarget={!props.target} />
          <Pager
            label="Pages of the audit trail"
            page={page}
            limit={limit}
            count={records.data.count}
            onPage={setPage}
          />
        </>
      ) : records.error ? null : (
        <Loading what="the audit trail" />
      )}
    </>
  )
}

export function AuditPage() {
  return (
    <section>
      <h1 tabIndex={-1}>Audit trail</h1>
      <p class="muted">Every change made through the admin API or the CLI, newest first.</p>
      <AuditTrail />
    </section>
  )
}
