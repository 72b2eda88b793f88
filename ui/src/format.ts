// How values are shown: dates in local time (the exact UTC time in a tooltip), numbers, limits.

const pad = (n: number): string => String(n).padStart(2, '0')

/** `2026-03-04 11:30:05` in the browser's time zone; `—` for none. */
export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

/** The exact instant, for a `title`. */
export function utc(iso: string | number | null | undefined): string | undefined {
  if (iso === null || iso === undefined || iso === '') return undefined
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US')
}

/** A limit value: `—` means none (unlimited). */
export const limit = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'unlimited' : num(n)

/** A value for a `<input type="datetime-local">` from an ISO time (local time, to the minute). */
export function localInput(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  )
}

/** JSON for reading: indented, as text (the page never renders API text as HTML). */
export const json = (value: unknown): string => JSON.stringify(value, null, 2)
