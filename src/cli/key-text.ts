// How the CLI prints keys, usage and request history as text (--json prints the REST shapes instead).

import type { ApiKey, RequestPage, Usage } from '../types'
import { limits, table } from './format'

export function keyPairs(key: ApiKey & { api_key?: string }): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [
    ['id', key.id],
    ['type', key.type],
    ['name', key.name],
    ['user_id', key.user_id],
    ['plan_id', key.plan_id],
    ['status', key.status],
    ['category', key.category],
    ['scopes', key.scopes.join(', ')],
    ['metadata', Object.keys(key.metadata).length > 0 ? key.metadata : null],
    ['expires_at', key.expires_at],
    ['quotas', limits(key.quotas)],
    ['rate', limits(key.rate)],
    ['created_at', key.created_at],
    ['updated_at', key.updated_at],
    ['last_used_at', key.last_used_at],
  ]
  if (key.api_key !== undefined) pairs.push(['api_key', key.api_key])
  return pairs
}

export function usageText(usage: Usage): string {
  const head =
    usage.limit === null
      ? `No quota on this key; ${usage.total_requests} credit(s) used in all.`
      : `${usage.current_usage} of ${usage.limit} used this ${usage.period}, ${usage.remaining} remaining` +
        (usage.reset_time ? `, resets ${usage.reset_time}` : '')
  if (usage.windows.length === 0) return head
  return `${head}\n\n${table(
    ['PERIOD', 'USED', 'LIMIT', 'REMAINING', 'RESET'],
    usage.windows.map((w) => [
      w.period,
      String(w.used),
      String(w.limit),
      String(w.remaining),
      w.reset_time,
    ]),
  )}`
}

export function requestsText(page: RequestPage): string {
  const rows = page.requests.map((r) => [
    r.timestamp,
    r.method,
    r.endpoint,
    r.status,
    String(r.status_code),
    r.reason,
    String(r.duration_ms),
    r.ip_address,
    String(r.credits),
  ])
  const head = ['TIME', 'METHOD', 'ENDPOINT', 'STATUS', 'CODE', 'REASON', 'MS', 'IP', 'CREDITS']
  return `${table(head, rows)}\n${page.count} request(s) logged`
}
