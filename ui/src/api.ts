// The admin REST API, as this page reaches it: the base derived from the page's own URL, the token.

import { storedToken } from './session'

/** The page is served at `<base>/ui/`; the API is `<base>`, wherever the router is mounted. */
export function apiBase(pathname: string = location.pathname): string {
  return pathname.replace(/\/ui(?:\/[^/]*)?$/, '')
}

/** An answer that is not 2xx, with the API's `{error, code, details}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }

  /** The message to show: the API's error, and what its details name (field, message). */
  describe(): string {
    const d = this.details as { field?: unknown; message?: unknown } | undefined
    const field = typeof d?.field === 'string' ? d.field : undefined
    const detail = typeof d?.message === 'string' ? d.message : undefined
    const where = field && detail ? ` (${field}: ${detail})` : detail ? ` (${detail})` : ''
    return `${this.message}${where}${this.code ? ` [${this.code}]` : ''}`
  }
}

/** Codes with which the guard refuses the admin token itself: the session is over. */
const SESSION_ENDED = new Set([
  'MISSING_API_KEY',
  'INVALID_API_KEY',
  'INACTIVE_API_KEY',
  'EXPIRED_API_KEY',
  'INSUFFICIENT_SCOPE',
])

type Listener = (error: ApiError) => void
let onSessionEnded: Listener = () => {}

/** Called when the API refuses the token (revoked, expired, not admin) during a session. */
export function whenSessionEnds(listener: Listener): void {
  onSessionEnded = listener
}

export interface Answer<T> {
  body: T
  etag: string | null
}

export interface CallOptions {
  body?: unknown
  ifMatch?: string | null
  /** Sign-in tries a token that is not stored yet. */
  token?: string
}

export async function call<T>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const token = options.token ?? storedToken()
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (options.ifMatch) headers['If-Match'] = options.ifMatch
  let response: Response
  try {
    response = await fetch(apiBase() + path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached')
  }
  const text = await response.text()
  let parsed: unknown = null
  try {
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    // Not JSON (a proxy's error page): reported below by status.
  }
  if (!response.ok) {
    const b = (parsed ?? {}) as { error?: unknown; code?: unknown; details?: unknown }
    const error = new ApiError(
      response.status,
      typeof b.code === 'string' ? b.code : '',
      typeof b.error === 'string' ? b.error : `HTTP ${response.status} ${response.statusText}`,
      b.details,
    )
    if (options.token === undefined && SESSION_ENDED.has(error.code)) onSessionEnded(error)
    throw error
  }
  return { body: parsed as T, etag: response.headers.get('ETag') }
}

export const get = async <T>(path: string): Promise<T> => (await call<T>('GET', path)).body

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(name, String(value))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** A path segment, encoded (ids come from the API; never trusted as path syntax). */
export const seg = (value: string | number): string => encodeURIComponent(String(value))
