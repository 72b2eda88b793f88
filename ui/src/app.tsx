// The app: sign-in until there is a token, then the pages, routed by the URL's fragment.

import { useEffect, useState } from 'preact/hooks'
import { whenSessionEnds } from './api'
import { AuditPage } from './pages/audit'
import { IpBlocksPage } from './pages/ip-blocks'
import { KeyPage } from './pages/key-page'
import { KeysPage } from './pages/keys'
import { PlanPage, PlansPage } from './pages/plans'
import { refusalText, SignIn } from './pages/sign-in'
import { UserPage, UsersPage } from './pages/users'
import { href, useRoute } from './router'
import { storedToken, storeToken } from './session'

const SECTIONS = [
  ['keys', 'Keys'],
  ['plans', 'Plans'],
  ['users', 'Users'],
  ['audit', 'Audit'],
  ['ip-blocks', 'IP blocks'],
] as const

function Page(props: { route: string[] }) {
  const [section = 'keys', id] = props.route
  switch (section) {
    case 'keys':
      return id ? <KeyPage key={id} id={id} /> : <KeysPage />
    case 'plans':
      return id ? <PlanPage key={id} id={id} /> : <PlansPage />
    case 'users':
      return id ? <UserPage key={id} id={id} /> : <UsersPage />
    case 'audit':
      return <AuditPage />
    case 'ip-blocks':
      return <IpBlocksPage />
    default:
      return (
        <section>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            There is no page here. <a href={href('keys')}>Go to the keys.</a>
          </p>
        </section>
      )
  }
}

export function App() {
  const [token, setToken] = useState(storedToken())
  const [notice, setNotice] = useState<string | null>(null)
  const route = useRoute()

  useEffect(() => {
    whenSessionEnds((error) => {
      storeToken(null)
      setToken(null)
      setNotice(`You were signed out. ${refusalText(error)}`)
    })
  }, [])

  // A new page takes the focus to its heading, so keyboard and screen-reader users start there.
  useEffect(() => {
    const timer = setTimeout(() => document.querySelector<HTMLElement>('main h1')?.focus(), 0)
    return () => clearTimeout(timer)
  }, [route.join('/')])

  if (!token) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(value) => {
          storeToken(value)
          setNotice(null)
          setToken(value)
        }}
      />
    )
  }
  const current = route[0] ?? 'keys'
  return (
    <>
      <header class="top">
        <span class="brand">keyguard</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([section, label]) => (
              <li key={section}>
                <a href={href(section)} aria-current={current === section ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="sign-out"
          onClick={() => {
            storeToken(null)
            setToken(null)
            setNotice('You signed out.')
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  )
}
