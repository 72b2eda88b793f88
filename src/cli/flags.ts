// Parsers for CLI flag values, and the key and plan inputs built from them.

import { InvalidArgumentError } from 'commander'
import { CliError, EXIT } from './context'

/**
 * What a parser returns for `none`: commander stores a parser's null as '', so the marker stands
 * in for null until `given()` builds the input.
 */
export const CLEAR: unique symbol = Symbol('clear')
export type Clearable<T> = T | typeof CLEAR

/** A whole number ≥ 0, or `none` to clear the limit (null). */
export function countOrNone(value: string): Clearable<number> {
  if (value === 'none') return CLEAR
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('must be a whole number, or "none"')
  return Number(value)
}

/** A whole number ≥ 1 (page, limit, port 0 excepted). */
export function positiveInt(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('must be a whole number of 1 or more')
  }
  return Number(value)
}

/** The longest grace period of a regenerated key's old secret: 30 days (as the API allows). */
export const MAX_GRACE_SECONDS = 30 * 86400

/** `--grace-seconds`: checked here, so the message names the range instead of a schema's words. */
export function graceSeconds(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) > MAX_GRACE_SECONDS) {
    throw new InvalidArgumentError(
      `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (30 days)`,
    )
  }
  return Number(value)
}

/** `a,b` → ['a', 'b']; '' → [] (no scopes). */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Limitly's user ids are numbers: `123` becomes 123, anything else stays a string. */
export function userId(value: string): string | number {
  return /^(0|[1-9]\d{0,14})$/.test(value) ? Number(value) : value
}

/** `none` (or `never` for dates) clears the field. */
export function stringOrNone(value: string): Clearable<string> {
  return value === 'none' || value === 'never' ? CLEAR : value
}

export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"team":"data"}\'')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"team":"data"}\'')
  }
  return parsed as Record<string, unknown>
}

/** Only the entries the user gave (`none` as null); undefined when none was given. */
export function given(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const set = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, v === CLEAR ? null : v])
  return set.length === 0 ? undefined : Object.fromEntries(set)
}

export interface LimitFlags {
  total?: Clearable<number>
  daily?: Clearable<number>
  weekly?: Clearable<number>
  monthly?: Clearable<number>
  yearly?: Clearable<number>
  perSecond?: Clearable<number>
  burst?: Clearable<number>
  perMinute?: Clearable<number>
}

export function quotasOf(o: LimitFlags): Record<string, unknown> | undefined {
  return given({
    total: o.total,
    daily: o.daily,
    weekly: o.weekly,
    monthly: o.monthly,
    yearly: o.yearly,
  })
}

export function rateOf(o: LimitFlags): Record<string, unknown> | undefined {
  return given({ per_second: o.perSecond, burst: o.burst, per_minute: o.perMinute })
}

/** The id from `<id>` or `--key-id <id>` (Limitly's flag); exactly one of them, or both equal. */
export function idFrom(
  positional: string | undefined,
  flag: string | undefined,
  what: string,
): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new CliError(`two different ${what}s given: ${positional} and ${flag}`, EXIT.usage)
  }
  const id = positional ?? flag
  if (id === undefined || id === '') throw new CliError(`missing ${what}`, EXIT.usage)
  return id
}
