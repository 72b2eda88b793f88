// The one-time display of a new secret (create, regenerate): a warning, the token, a copy button.
// The secret lives only in this component's props: it is never stored, so a reload loses it.

import { useId, useState } from 'preact/hooks'

export function SecretOnce(props: { secret: string; onDone: () => void; note?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  const id = useId()
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.secret)
      setCopied('yes')
    } catch {
      setCopied('failed')
    }
  }
  return (
    <section class="secret" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Copy the secret now</h2>
      <p class="warning" role="alert">
        This is the only time this secret is shown. keyguard keeps only its hash: once you leave or
        reload this page it cannot be shown again (regenerate the key to get a new one).
        {props.note ? ` ${props.note}` : ''}
      </p>
      <label for={id}>Secret</label>
      <div class="secret-row">
        <input
          id={id}
          class="mono"
          type="text"
          readOnly
          value={props.secret}
          autoComplete="off"
          spellcheck={false}
          data-secret=""
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" class="primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p class="muted" aria-live="polite">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'The browser refused the clipboard: select the text and copy it by hand.'
            : ''}
      </p>
      <button type="button" onClick={props.onDone}>
        I have copied it
      </button>
    </section>
  )
}
