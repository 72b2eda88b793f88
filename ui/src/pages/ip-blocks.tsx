// IP blocks: the client IPs (IPv6: /64s) blocked after failed authentications, with unblock.

import { useState } from 'preact/hooks'
import { call, get, seg } from '../api'
import { ConfirmDialog } from '../components/dialog'
import { ErrorMessage, Loading, Notice } from '../components/messages'
import { utc, when } from '../format'
import { useResource } from '../hooks'
import type { IpBlock, Page } from '../model'

export function IpBlocksPage() {
  const blocks = useResource(() => get<Page<IpBlock>>('/ip-blocks'), [])
  const [unblocking, setUnblocking] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>IP blocks</h1>
        <button type="button" onClick={blocks.reload}>
          Refresh
        </button>
      </div>
      <p class="muted">
        Client addresses blocked after too many failed authentications, soonest unblocked first.
      </p>
      {done ? <Notice>{done} is unblocked.</Notice> : null}
      <ErrorMessage error={blocks.error} />
      {blocks.data ? (
        blocks.data.data.length === 0 ? (
          <p class="muted">No IP is blocked.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">IP</th>
                  <th scope="col">Blocked until</th>
                  <th scope="col">
                    <span class="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {blocks.data.data.map((b) => (
                  <tr key={b.ip}>
                    <td class="mono">{b.ip}</td>
                    <td title={utc(b.blocked_until)}>{when(b.blocked_until)}</td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Unblock ${b.ip}`}
                        onClick={() => setUnblocking(b.ip)}
                      >
                        Unblock
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : blocks.error ? null : (
        <Loading what="IP blocks" />
      )}
      {unblocking ? (
        <ConfirmDialog
          title="Unblock this address?"
          confirmLabel="Unblock"
          onClose={() => setUnblocking(null)}
          onConfirm={async () => {
            await call('DELETE', `/ip-blocks/${seg(unblocking)}`)
            setDone(unblocking)
            blocks.reload()
          }}
        >
          <p>
            <span class="mono">{unblocking}</span> may try again at once, and its failed attempts
            are forgotten.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}
