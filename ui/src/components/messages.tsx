// Status and error lines: errors are announced to screen readers (role="alert").

import type { ComponentChildren } from 'preact'
import type { ApiError } from '../api'

export function ErrorMessage(props: { error: ApiError | string | undefined | null }) {
  if (!props.error) return null
  const text = typeof props.error === 'string' ? props.error : props.error.describe()
  return (
    <p class="error" role="alert">
      {text}
    </p>
  )
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  )
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {props.children}
    </p>
  )
}

/** A key's status, as a badge (text, so it reads out too). */
export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>
}
