// RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers), and the legacy X-RateLimit-* headers.

import type { Verdict, WindowState } from '../store'
import type { WindowName } from '../types'

/** Where headers go: an Express or node:http response as it is, or a small wrapper for other servers. */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown
}

/** Per window, the fixed parts of its two header items, so a request only adds the numbers. */
interface Parts {
  /** `"burst";q=` */
  quota: string
  /** `;w=1`, or nothing for the total quota, which has no window */
  window: string
  /** `"burst";r=` */
  remaining: string
  /** Whether the item carries `;t=` (every window but the total quota) */
  resets: boolean
}

const parts = (name: string, window: number | null): Parts => ({
  quota: `"${name}";q=`,
  window: window === null ? '' : `;w=${window}`,
  remaining: `"${name}";r=`,
  resets: window !== null,
})

const PARTS: Record<WindowName, Parts> = {
  second: parts('burst', 1),
  minute: parts('minute', 60),
  total: parts('total', null),
  daily: parts('daily', 86400),
  weekly: parts('weekly', 604800),
  monthly: parts('monthly', 2592000),
  yearly: parts('yearly', 31536000),
}

/** The window closest to exhaustion (lowest share remaining); the failed one when a limit failed. */
export function tightest(
  windows: readonly WindowState[],
  failed: WindowName | null,
): WindowState | undefined {
  if (failed) return windows.find((w) => w.name === failed)
  let best: WindowState | undefined
  for (const w of windows) {
    if (!best || w.remaining * best.limit < best.remaining * w.limit) best = w
  }
  return best
}

function policyOf(windows: readonly WindowState[]): string {
  let policy = ''
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as WindowState
    const p = PARTS[w.name]
    if (i > 0) policy += ', '
    policy += p.quota + w.limit + p.window
  }
  return policy
}

const MAX_CACHED_POLICIES = 10_000

/** RateLimit-Policy per key, for the record version it was built from: limits change only with it. */
export class PolicyCache {
  private readonly byKey = new Map<string, { version: string; policy: string }>()

  get(keyId: string, verdict: Pick<Verdict, 'windows' | 'recordVersion'>): string {
    const version = verdict.recordVersion
    if (version === '') return policyOf(verdict.windows)
    const cached = this.byKey.get(keyId)
    if (cached !== undefined && cached.version === version) return cached.policy
    const policy = policyOf(verdict.windows)
    if (cached !== undefined) {
      cached.version = version
      cached.policy = policy
    } else {
      if (this.byKey.size >= MAX_CACHED_POLICIES) this.byKey.clear()
      this.byKey.set(keyId, { version, policy })
    }
    return policy
  }
}

/** The headers of a verdict; resets count from the store's clock (`verdict.nowMs`), not this server's. */
export function setRateLimitHeaders(
  res: HeaderSink,
  verdict: Pick<Verdict, 'windows' | 'failed' | 'nowMs' | 'recordVersion'>,
  legacy: boolean,
  policy: string | null = null,
): void {
  const { windows, failed, nowMs } = verdict
  if (windows.length === 0) return
  let state = ''
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as WindowState
    const p = PARTS[w.name]
    if (i > 0) state += ', '
    state += p.remaining + w.remaining
    if (p.resets) state += ';t=' + Math.ceil(w.resetMs / 1000)
  }
  res.setHeader('RateLimit-Policy', policy ?? policyOf(windows))
  res.setHeader('RateLimit', state)
  if (legacy) {
    const w = tightest(windows, failed)
    if (w) {
      res.setHeader('X-RateLimit-Limit', String(w.limit))
      res.setHeader('X-RateLimit-Remaining', String(w.remaining))
      if (w.name !== 'total') {
        res.setHeader('X-RateLimit-Reset', String(Math.ceil((nowMs + w.resetMs) / 1000)))
      }
    }
  }
}
