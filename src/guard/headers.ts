// IETF RateLimit-Policy / RateLimit headers (draft-ietf-httpapi-ratelimit-headers), plus legacy X-RateLimit-*.

import type { Response } from 'express'
import type { WindowState } from '../store'
import type { WindowName } from '../types'

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

export function setRateLimitHeaders(
  res: Response,
  windows: readonly WindowState[],
  failed: WindowName | null,
  legacy: boolean,
): void {
  if (windows.length === 0) return
  // Both headers in one pass, by concatenation: no arrays, no per-window template strings.
  let policy = ''
  let state = ''
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as WindowState
    const p = PARTS[w.name]
    if (i > 0) {
      policy += ', '
      state += ', '
    }
    policy += p.quota + w.limit + p.window
    state += p.remaining + w.remaining
    if (p.resets) state += ';t=' + Math.ceil(w.resetMs / 1000)
  }
  res.setHeader('RateLimit-Policy', policy)
  res.setHeader('RateLimit', state)
  if (legacy) {
    const w = tightest(windows, failed)
    if (w) {
      res.setHeader('X-RateLimit-Limit', String(w.limit))
      res.setHeader('X-RateLimit-Remaining', String(w.remaining))
      if (w.name !== 'total') {
        res.setHeader('X-RateLimit-Reset', String(Math.ceil((Date.now() + w.resetMs) / 1000)))
      }
    }
  }
}
