// Reads the presented token: `Authorization: Bearer <token>` (any case) or `X-API-Key`.

import type { Request } from 'express'

const BEARER = /^bearer[ \t]+([^ \t]+)[ \t]*$/i

export function readCredentials(req: Request): string | null {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const match = BEARER.exec(auth)
    if (match?.[1]) return match[1]
  }
  const header = req.headers['x-api-key']
  const value = Array.isArray(header) ? header[0] : header
  if (typeof value === 'string' && value.trim() !== '') return value.trim()
  return null
}
