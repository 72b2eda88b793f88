// Labelled form controls, the rate and quota fields shared by keys and plans, and their parsing.

import type { ComponentChildren } from 'preact'
import { useId } from 'preact/hooks'

export function Field(props: {
  label: string
  hint?: string
  error?: string | undefined
  children: (id: string, describedBy: string | undefined) => ComponentChildren
}) {
  const id = useId()
  const hintId = props.hint ? `${id}-hint` : undefined
  const errorId = props.error ? `${id}-error` : undefined
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint ? (
        <small id={hintId} class="muted">
          {props.hint}
        </small>
      ) : null}
      {props.error ? (
        <small id={errorId} class="field-error">
          {props.error}
        </small>
      ) : null}
    </div>
  )
}

export function TextInput(props: {
  label: string
  value: string
  onInput: (value: string) => void
  hint?: string
  error?: string | undefined
  required?: boolean
  type?: 'text' | 'search' | 'date' | 'datetime-local' | 'email'
  placeholder?: string
  mono?: boolean
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(id, describedBy) => (
        <input
          id={id}
          // Preact's types tell input types apart by their attributes; these all take text.
          type={(props.type ?? 'text') as 'text'}
          class={props.mono ? 'mono' : undefined}
          value={props.value}
          required={props.required}
          placeholder={props.placeholder}
          aria-describedby={describedBy}
          aria-invalid={props.error ? true : undefined}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      )}
    </Field>
  )
}

export function Select(props: {
  label: string
  value: string
  onChange: (value: string) => void
  options: Array<[value: string, label: string]>
  hint?: string
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id, describedBy) => (
        <select
          id={id}
          value={props.value}
          aria-describedby={describedBy}
          onChange={(event) => props.onChange(event.currentTarget.value)}
        >
          {props.options.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}

export const RATE_FIELDS = [
  ['per_second', 'Per second'],
  ['burst', 'Burst'],
  ['per_minute', 'Per minute'],
] as const
export const QUOTA_FIELDS = [
  ['total', 'Total (credits)'],
  ['daily', 'Daily'],
  ['weekly', 'Weekly'],
  ['monthly', 'Monthly'],
  ['yearly', 'Yearly'],
] as const

export type LimitName = (typeof RATE_FIELDS)[number][0] | (typeof QUOTA_FIELDS)[number][0]
export type LimitValues = Partial<Record<LimitName, string>>

/** The text of a limit input: '' for none. */
export const limitText = (n: number | null | undefined): string =>
  n === null || n === undefined ? '' : String(n)

/** A whole number from a limit input, null when empty; an error message when not whole or too small. */
export function parseLimit(text: string | undefined, min: number): number | null | string {
  const t = (text ?? '').trim()
  if (t === '') return null
  if (!/^\d+$/.test(t)) return 'must be a whole number'
  const n = Number(t)
  if (n < min) return `must be ${min} or more`
  return n
}

/** Rate and quota inputs; empty means "none here" (for a key: take the plan's). */
export function LimitFields(props: {
  values: LimitValues
  onChange: (values: LimitValues) => void
  errors: Partial<Record<LimitName, string>>
  withTotal: boolean
  emptyHint: string
}) {
  const input = (name: LimitName, label: string) => (
    <TextInput
      key={name}
      label={label}
      type="text"
      value={props.values[name] ?? ''}
      error={props.errors[name]}
      placeholder={props.emptyHint}
      onInput={(value) => props.onChange({ ...props.values, [name]: value })}
    />
  )
  return (
    <>
      <fieldset>
        <legend>Rate</legend>
        <div class="grid">{RATE_FIELDS.map(([name, label]) => input(name, label))}</div>
      </fieldset>
      <fieldset>
        <legend>Quotas</legend>
        <div class="grid">
          {QUOTA_FIELDS.filter(([name]) => props.withTotal || name !== 'total').map(
            ([name, label]) => input(name, label),
          )}
        </div>
      </fieldset>
    </>
  )
}

/**
 * The rate and quota objects of a body from the inputs, or the errors. `nulls`: empty inputs are
 * sent as null (an edit clears them); otherwise they are left out (a create).
 */
export function limitsBody(
  values: LimitValues,
  withTotal: boolean,
  nulls: boolean,
): {
  rate: Record<string, number | null>
  quotas: Record<string, number | null>
  errors: Partial<Record<LimitName, string>>
} {
  const rate: Record<string, number | null> = {}
  const quotas: Record<string, number | null> = {}
  const errors: Partial<Record<LimitName, string>> = {}
  const take = (target: Record<string, number | null>, name: LimitName, min: number): void => {
    const parsed = parseLimit(values[name], min)
    if (typeof parsed === 'string') errors[name] = parsed
    else if (parsed !== null || nulls) target[name] = parsed
  }
  for (const [name] of RATE_FIELDS) take(rate, name, 1)
  for (const [name] of QUOTA_FIELDS) if (withTotal || name !== 'total') take(quotas, name, 0)
  return { rate, quotas, errors }
}

/** Metadata from its JSON text: an object, or an error message saying what to write. */
export function parseMetadata(text: string): Record<string, unknown> | string {
  const t = text.trim()
  if (t === '') return {}
  let value: unknown
  try {
    value = JSON.parse(t)
  } catch (error) {
    return `not valid JSON: ${error instanceof Error ? error.message : String(error)}`
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'must be a JSON object, e.g. {"team": "billing"}'
  }
  return value as Record<string, unknown>
}

/** Scopes from their text: separated by commas or spaces. */
export const parseScopes = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')

/** A user id as the API takes it: a whole number, or the text. */
export const userIdValue = (text: string): string | number =>
  /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : text.trim()
