// The form of a key, to create one or to edit one: name, plan, scopes, expiry, limits, metadata.

import { useId, useState } from 'preact/hooks'
import type { ApiError } from '../api'
import {
  Field,
  LimitFields,
  type LimitName,
  type LimitValues,
  limitsBody,
  limitText,
  parseMetadata,
  parseScopes,
  Select,
  TextInput,
  userIdValue,
} from '../components/fields'
import { ErrorMessage } from '../components/messages'
import { json, localInput } from '../format'
import type { ApiKey, Plan } from '../model'

interface Props {
  /** The key being edited; none to create one. */
  initial?: ApiKey
  plans: Plan[]
  busy: boolean
  error: ApiError | undefined
  submitLabel: string
  onSubmit: (body: Record<string, unknown>) => void
  onCancel: () => void
}

function initialLimits(key: ApiKey | undefined): LimitValues {
  if (!key) return {}
  return {
    per_second: limitText(key.rate.per_second),
    burst: limitText(key.rate.burst),
    per_minute: limitText(key.rate.per_minute),
    total: limitText(key.quotas.total),
    daily: limitText(key.quotas.daily),
    weekly: limitText(key.quotas.weekly),
    monthly: limitText(key.quotas.monthly),
    yearly: limitText(key.quotas.yearly),
  }
}

export function KeyForm(props: Props) {
  const key = props.initial
  const editing = key !== undefined
  const [name, setName] = useState(key?.name ?? '')
  const [userId, setUserId] = useState(key?.user_id === null ? '' : String(key?.user_id ?? ''))
  const [type, setType] = useState<'sk' | 'pat'>('sk')
  const [planId, setPlanId] = useState(key?.plan_id ?? '')
  const [category, setCategory] = useState(key?.category ?? '')
  const [status, setStatus] = useState<'active' | 'inactive'>('active')
  const [scopes, setScopes] = useState((key?.scopes ?? []).join(', '))
  const initialExpiry = localInput(key?.expires_at)
  const [expires, setExpires] = useState(initialExpiry)
  const [limits, setLimits] = useState<LimitValues>(initialLimits(key))
  const [metadata, setMetadata] = useState(
    key && Object.keys(key.metadata).length > 0 ? json(key.metadata) : '',
  )
  const [errors, setErrors] = useState<Partial<Record<LimitName | 'metadata' | 'name', string>>>({})
  const metadataId = useId()

  const planOptions: Array<[string, string]> = [
    [
      '',
      key?.user_id !== null && key?.user_id !== undefined ? "(none: the user's plan)" : '(none)',
    ],
    ...props.plans.map((p): [string, string] => [
      p.id,
      `${p.name} (${p.id})${p.is_active ? '' : ' — inactive'}`,
    ]),
  ]
  if (planId !== '' && !props.plans.some((p) => p.id === planId)) planOptions.push([planId, planId])

  const submit = (event: Event): void => {
    event.preventDefault()
    const found: Partial<Record<LimitName | 'metadata' | 'name', string>> = {}
    const parsedMetadata = parseMetadata(metadata)
    if (typeof parsedMetadata === 'string') found.metadata = parsedMetadata
    if (name.trim() === '') found.name = 'Name is required'
    const { rate, quotas, errors: limitErrors } = limitsBody(limits, true, editing)
    Object.assign(found, limitErrors)
    setErrors(found)
    if (Object.keys(found).length > 0) return
    const body: Record<string, unknown> = {
      name: name.trim(),
      scopes: parseScopes(scopes),
      rate,
      quotas,
      metadata: parsedMetadata,
    }
    if (editing) {
      body.plan_id = planId === '' ? null : planId
      body.category = category.trim() === '' ? null : category.trim()
      // Sent only when changed: the input keeps minutes, and an unchanged expiry stays exact.
      if (expires !== initialExpiry) {
        body.expires_at = expires === '' ? null : new Date(expires).toISOString()
      }
    } else {
      body.type = type
      body.status = status
      if (userId.trim() !== '') body.user_id = userIdValue(userId)
      if (planId !== '') body.plan_id = planId
      if (category.trim() !== '') body.category = category.trim()
      if (expires !== '') body.expires_at = new Date(expires).toISOString()
    }
    props.onSubmit(body)
  }

  return (
    <form class="form" onSubmit={submit} noValidate>
      <div class="grid">
        <TextInput label="Name" value={name} onInput={setName} required error={errors.name} />
        {editing ? null : (
          <TextInput
            label="User id"
            value={userId}
            onInput={setUserId}
            hint="Optional. A key never changes user."
          />
        )}
        <Select label="Plan" value={planId} onChange={setPlanId} options={planOptions} />
        <TextInput label="Category" value={category} onInput={setCategory} />
        {editing ? null : (
          <Select
            label="Type"
            value={type}
            onChange={(v) => setType(v === 'pat' ? 'pat' : 'sk')}
            options={[
              ['sk', 'Secret key (sk)'],
              ['pat', 'Personal access token (pat)'],
            ]}
          />
        )}
        {editing ? null : (
          <Select
            label="Status"
            value={status}
            onChange={(v) => setStatus(v === 'inactive' ? 'inactive' : 'active')}
            options={[
              ['active', 'active'],
              ['inactive', 'inactive'],
            ]}
          />
        )}
        <TextInput
          label="Scopes"
          value={scopes}
          onInput={setScopes}
          hint='Separated by commas, e.g. "reports:read, admin".'
        />
        <TextInput
          label="Expires at (local time)"
          type="datetime-local"
          value={expires}
          onInput={setExpires}
          hint="Empty: never."
        />
      </div>
      <p class="muted">
        Limits: empty fields take the plan's value (or none). A key's own value overrides its
        plan's.
      </p>
      <LimitFields
        values={limits}
        onChange={setLimits}
        errors={errors}
        withTotal
        emptyHint="from plan"
      />
      <Field
        label="Metadata (JSON object)"
        error={errors.metadata}
        hint='e.g. {"team": "billing"}; at most 8 KB.'
      >
        {(id, describedBy) => (
          <textarea
            id={id}
            name={metadataId}
            class="mono"
            rows={5}
            value={metadata}
            spellcheck={false}
            aria-describedby={describedBy}
            aria-invalid={errors.metadata ? true : undefined}
            onInput={(event) => setMetadata(event.currentTarget.value)}
          />
        )}
      </Field>
      <ErrorMessage error={props.error} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  )
}
