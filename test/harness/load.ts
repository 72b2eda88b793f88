// Paced HTTP load for fault tests: every answer recorded with its key, status, code, send time and latency.

export interface Shot {
  /** Index of the token in the list given. */
  key: number
  status: number
  code: string | undefined
  /** When it was sent, ms since the load started. */
  at: number
  ms: number
}

export interface LoadResult {
  shots: Shot[]
  /** Requests with no answer within `hangMs`. */
  hangs: number
  startedAt: number
}

/**
 * Sends `rate` requests per second for `seconds`, round-robin over the tokens and the app URLs,
 * without waiting for answers (an open loop, as real clients do). `during(elapsedMs)` runs
 * once per tick, for faults on a schedule.
 */
export async function runLoad(options: {
  urls: string[]
  tokens: string[]
  rate: number
  seconds: number
  hangMs?: number
  during?: (elapsedMs: number) => void
}): Promise<LoadResult> {
  const { urls, tokens, rate, seconds } = options
  const hangMs = options.hangMs ?? 5000
  const startedAt = Date.now()
  const shots: Shot[] = []
  let hangs = 0
  const pending: Array<Promise<void>> = []
  const tickMs = 10
  let sent = 0
  const total = Math.round(rate * seconds)
  while (sent < total) {
    const elapsed = Date.now() - startedAt
    options.during?.(elapsed)
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000))
    for (; sent < due; sent++) {
      const key = sent % tokens.length
      const url = urls[sent % urls.length] as string
      const at = Date.now() - startedAt
      pending.push(
        fetch(`${url}/r`, {
          headers: { authorization: `Bearer ${tokens[key]}` },
          signal: AbortSignal.timeout(hangMs),
        }).then(
          async (res) => {
            const body = (await res.json().catch(() => ({}))) as { code?: string }
            shots.push({
              key,
              status: res.status,
              code: body.code,
              at,
              ms: Date.now() - startedAt - at,
            })
          },
          () => {
            hangs++
          },
        ),
      )
    }
    await new Promise((r) => setTimeout(r, tickMs))
  }
  await Promise.all(pending)
  return { shots, hangs, startedAt }
}

/** Counts of each status (and code for non-200s), e.g. { '200': 900, '503 STORE_UNAVAILABLE': 12 }. */
export function tally(shots: readonly Shot[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of shots) {
    const name = s.status === 200 ? '200' : `${s.status} ${s.code ?? ''}`.trim()
    out[name] = (out[name] ?? 0) + 1
  }
  return out
}
