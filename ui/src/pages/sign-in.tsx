// Sign-in with an admin token: checked against the API before it is kept (in sessionStorage).

import { useId, useState } from 'preact/hooks'
import { ApiError, call } from '../api'
import { ErrorMessage } from '../components/messages'

/** What a refusal of the token means for the person signing in. */
export function refusalText(error: ApiError): string {
  const api = `The API answered: ${error.describe()}.`
  switch (error.code) {
    case 'INSUFFICIENT_SCOPE':
      return `This token is valid but it is not an admin token: the dashboard needs a key with the admin scope. ${api}`
    case 'INVALID_API_KEY':
    case 'MISSING_API_KEY':
      return `This token was not accepted: check that you pasted the whole admin token. ${api}`
    case 'INACTIVE_API_KEY':
      return `This token's key is deactivated or revoked. ${api}`
    case 'EXPIRED_API_KEY':
      return `This token's key has expired. ${api}`
    case 'IP_BLOCKED':
      return `Too many failed attempts from this address: wait, or ask another admin to unblock it. ${api}`
    default:
      return error.status === 0 ? error.message : `Signing in failed. ${api}`
  }
}

export function SignIn(props: { onSignedIn: (token: string) => void; notice: string | null }) {
  const [token, setToken] = useState('')
  const id = useId()
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<string | null>(null)
  return (
    <main class="sign-in">
      <h1>keyguard admin</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <form
        class="panel"
        onSubmit={async (event) => {
          event.preventDefault()
          const value = token.trim()
          if (value === '') {
            setRefused('Paste an admin token.')
            return
          }
          setBusy(true)
          setRefused(null)
          try {
            // Any admin route will do (the router's guard checks the token and its scope): this
            // one reads a single record, where listing keys would read them all.
            await call('GET', '/audit?limit=1', { token: value })
            props.onSignedIn(value)
          } catch (error) {
            setRefused(error instanceof ApiError ? refusalText(error) : String(error))
          } finally {
            setBusy(false)
          }
        }}
      >
        <label for={id}>Admin token</label>
        <input
          id={id}
          type="password"
          class="mono"
          autoComplete="off"
          spellcheck={false}
          value={token}
          required
          aria-describedby={`${id}-hint`}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <small id={`${id}-hint`} class="muted">
          A key with the admin scope (e.g. from{' '}
          <code>keyguard keys create --name admin --scopes admin --type pat</code>
          ). It is kept in this tab only (sessionStorage) and sent to the admin API only.
        </small>
        <ErrorMessage error={refused} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
