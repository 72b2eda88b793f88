// Where a request's token is read from: `Authorization: Bearer <token>` (any case) or `X-API-Key`.

import type { IncomingHttpHeaders } from 'node:http'

const isBlank = (code: number): boolean => code === 32 || code === 9 // space, tab

/** The token of `Bearer <token>` (any case, blanks around it), or null. */
function bearerToken(auth: string): string | null {
  if (auth.length < 8 || auth.slice(0, 6).toLowerCase() !== 'bearer') return null
  let start = 6
  if (!isBlank(auth.charCodeAt(start))) return null
  while (start < auth.length && isBlank(auth.charCodeAt(start))) start++
  let end = start
  while (end < auth.length && !isBlank(auth.charCodeAt(end))) end++
  if (end === start) return null
  // Anything but blanks after the token: not a Bearer credential.
  for (let i = end; i < auth.length; i++) if (!isBlank(auth.charCodeAt(i))) return null
  return end === auth.length ? auth.slice(start) : auth.slice(start, end)
}

/** The presented token, or null when the request carries none. */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization
  if (typeof auth === 'string') {
    const token = bearerToken(auth)
    if (token !== null) return token
  }
  const header = headers['x-api-key']
  const value = Array.isArray(header) ? header[0] : header
  if (typeof value === 'string') {
    const trimmed = value.trim()
    if (trimmed !== '') return trimmed
  }
  return null
}
