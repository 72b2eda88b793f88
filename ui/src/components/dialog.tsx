// A modal dialog (the native <dialog>: focus kept inside, Escape closes) and a confirmation built on it.

import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'
import { useAction } from '../hooks'
import { ErrorMessage } from './messages'

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: let the parent close it, so its state says closed too.
        event.preventDefault()
        props.onClose()
      }}
    >
      <h2 id={titleId} class="dialog-title">
        {props.title}
      </h2>
      {props.children}
    </dialog>
  )
}

/**
 * Asks before a destructive action. The safe choice (Cancel) has the focus; the action runs in
 * the dialog so that its error shows there.
 */
export function ConfirmDialog(props: {
  title: string
  confirmLabel: string
  danger?: boolean
  onConfirm: () => Promise<unknown>
  onClose: () => void
  children: ComponentChildren
}) {
  const { busy, error, run } = useAction()
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={async (event) => {
          event.preventDefault()
          const done = await run(async () => {
            await props.onConfirm()
            return true
          })
          if (done) props.onClose()
        }}
      >
        <div class="dialog-body">{props.children}</div>
        <ErrorMessage error={error} />
        <div class="actions">
          <button type="button" autofocus onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  )
}
