// The form of a plan, to create one or to edit one: name, description, limits, windows, active.

import { useState } from 'preact/hooks'
import type { ApiError } from '../api'
import {
  Field,
  LimitFields,
  type LimitName,
  type LimitValues,
  limitsBody,
  limitText,
  Select,
  TextInput,
} from '../components/fields'
import { ErrorMessage } from '../components/messages'
import type { Plan } from '../model'

export function PlanForm(props: {
  initial?: Plan
  busy: boolean
  error: ApiError | undefined
  submitLabel: string
  onSubmit: (body: Record<string, unknown>) => void
  onCancel: () => void
}) {
  const plan = props.initial
  const editing = plan !== undefined
  const [id, setId] = useState('')
  const [name, setName] = useState(plan?.name ?? '')
  const [description, setDescription] = useState(plan?.description ?? '')
  const [window, setWindow] = useState<string>(plan?.quota_window ?? 'rolling')
  const [scope, setScope] = useState<string>(plan?.rate_scope ?? 'key')
  const [active, setActive] = useState(plan?.is_active ?? true)
  const [limits, setLimits] = useState<LimitValues>(
    plan
      ? {
          per_second: limitText(plan.rate.per_second),
          burst: limitText(plan.rate.burst),
          per_minute: limitText(plan.rate.per_minute),
          daily: limitText(plan.quotas.daily),
          weekly: limitText(plan.quotas.weekly),
          monthly: limitText(plan.quotas.monthly),
          yearly: limitText(plan.quotas.yearly),
        }
      : {},
  )
  const [errors, setErrors] = useState<Partial<Record<LimitName | 'name' | 'id', string>>>({})

  const submit = (event: Event): void => {
    event.preventDefault()
    const { rate, quotas, errors: found } = limitsBody(limits, false, editing)
    const all: Partial<Record<LimitName | 'name' | 'id', string>> = { ...found }
    if (name.trim() === '') all.name = 'Name is required'
    if (!editing && id.trim() !== '' && !/^[A-Za-z0-9_.-]+$/.test(id.trim())) {
      all.id = 'letters, digits and _ . - only'
    }
    setErrors(all)
    if (Object.keys(all).length > 0) return
    const body: Record<string, unknown> = {
      name: name.trim(),
      description: description.trim() === '' ? null : description.trim(),
      rate,
      quotas,
      quota_window: window,
      rate_scope: scope,
      is_active: active,
    }
    if (!editing && id.trim() !== '') body.id = id.trim()
    props.onSubmit(body)
  }

  return (
    <form class="form" onSubmit={submit} noValidate>
      <div class="grid">
        {editing ? null : (
          <TextInput
            label="Id"
            value={id}
            onInput={setId}
            error={errors.id}
            hint="Optional, e.g. pro. Letters, digits and _ . -"
            mono
          />
        )}
        <TextInput label="Name" value={name} onInput={setName} required error={errors.name} />
        <TextInput label="Description" value={description} onInput={setDescription} />
        <Select
          label="Quota windows"
          value={window}
          onChange={setWindow}
          options={[
            ['rolling', 'rolling (last 24 hours, 7 days, …)'],
            ['calendar', 'calendar (UTC day, week, month, year)'],
          ]}
        />
        <Select
          label="Rate shared per"
          value={scope}
          onChange={setScope}
          options={[
            ['key', 'key'],
            ['user', 'user (all the user’s keys)'],
          ]}
        />
        <Field label="Active" hint="An inactive plan cannot be given to more keys or users.">
          {(fieldId, describedBy) => (
            <input
              id={fieldId}
              type="checkbox"
              checked={active}
              aria-describedby={describedBy}
              onChange={(event) => setActive(event.currentTarget.checked)}
            />
          )}
        </Field>
      </div>
      <LimitFields
        values={limits}
        onChange={setLimits}
        errors={errors}
        withTotal={false}
        emptyHint="none"
      />
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
