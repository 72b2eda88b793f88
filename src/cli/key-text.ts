// How the CLI prints keys, usage and request history as text (--json prints the REST shapes instead).

import type { ApiKey, Plan, RequestPage, Usage } from '../types'
import { cell, table } from './format'

const QUOTAS = ['total', 'daily', 'weekly', 'monthly', 'yearly'] as const
const RATES = ['per_second', 'burst', 'per_minute'] as const

/**
 * The limits in force and where each comes from: `daily=5 (key), per_second=10 (plan pro)`. A key's
 * own value overrides its plan's, field by field; `none` when neither sets any.
 */
function effective(
  own: object,
  plan: object | undefined,
  planId: string | null,
  names: readonly string[],
): string {
  const read = (limits: object | undefined, name: string): unknown =>
    limits === undefined ? undefined : (limits as Record<string, unknown>)[name]
  const parts = names.flatMap((name) => {
    const mine = read(own, name)
    if (mine !== null && mine !== undefined) return [`${name}=${cell(mine)} (key)`]
    const inherited = read(plan, name)
    if (inherited !== null && inherited !== undefined) {
      return [`${name}=${cell(inherited)} (plan ${cell(planId)})`]
    }
    return []
  })
  return parts.length === 0 ? 'none' : parts.join(', ')
}

/** A key as field lines; with its plan, the limits it inherits are shown too. */
export function keyPairs(
  key: ApiKey & { api_key?: string },
  plan: Plan | null = null,
): Array<[string, unknown]> {
  const from = plan !== null && plan.id === key.plan_id ? plan : undefined
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
    ['quotas', effective(key.quotas, from?.quotas, key.plan_id, QUOTAS)],
    ['rate', effective(key.rate, from?.rate, key.plan_id, RATES)],
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
