// IETF RateLimit-Policy / RateLimit headers (draft-ietf-httpapi-ratelimit-headers), plus legacy X-RateLimit-*.

import type { Response } from 'express'
import type { WindowName } from './types'
import type { WindowState } from './verdict'

const POLICY: Record<WindowName, { name: string; window: number | null }> = {
  second: { name: 'burst', window: 1 },
  minute: { name: 'minute', window: 60 },
  total: { name: 'total', window: null },
  daily: { name: 'daily', window: 86400 },
  weekly: { name: 'weekly', window: 604800 },
  monthly: { name: 'monthly', window: 2592000 },
}

const seconds = (ms: number): number => Math.ceil(ms / 1000)

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
  const policy: string[] = []
  const state: string[] = []
  for (const w of windows) {
    const { name, window } = POLICY[w.name]
    policy.push(window === null ? `"${name}";q=${w.limit}` : `"${name}";q=${w.limit};w=${window}`)
    state.push(
      w.name === 'total'
        ? `"${name}";r=${w.remaining}`
        : `"${name}";r=${w.remaining};t=${seconds(w.resetMs)}`,
    )
  }
  res.setHeader('RateLimit-Policy', policy.join(', '))
  res.setHeader('RateLimit', state.join(', '))
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
