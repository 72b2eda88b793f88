// What every admin route handler shares: the body and id readers, ETags, If-Match, the actor, and the route context.

import type { Request, Response } from 'express'
import type { AuditActor, AuditLog } from '../audit'
import { validationError } from '../errors'
import type { ApiKeyGuardOptions } from '../guard'
import type { KeyManager, WriteOptions } from '../keys'
import type { Store } from '../store'

export type Handler = (req: Request, res: Response) => Promise<unknown>
export type Routes = Record<string, Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', Handler>>>

/** What a group of routes is built from. */
export interface RouteContext {
  keys: KeyManager
  audit: AuditLog
  store: Store
  /** Records an action once it succeeded; a failed write is reported to onError, the answer stands. */
  recorded: (write: () => Promise<unknown>) => Promise<void>
  /** The router's guard options, with its store and prefix: what `POST /validate` verifies with. */
  guard: ApiKeyGuardOptions
}

/** The JSON body as an object; no body counts as `{}`. */
export function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError('body', 'must be a JSON object')
  }
  return value as Record<string, unknown>
}

export const id = (req: Request): string => String(req.params.id ?? '')

/** A key's version as an HTTP entity tag. */
export const etag = (version: number): string => `"${version}"`

/** `If-Match: "<version>"` pins a write to the version the client read; `*` or none: any version. */
export function writeOptions(req: Request): WriteOptions {
  const header = req.headers['if-match']
  if (header === undefined || header.trim() === '*') return {}
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header)
  if (!match) {
    throw validationError('If-Match', 'must be one ETag this API sent, e.g. If-Match: "3"')
  }
  return { ifMatch: Number(match[1]) }
}

/** Who acts, for the audit trail: the admin key and the client IP (`trust proxy` honoured). */
export const actorOf = (req: Request): AuditActor => ({
  id: req.apiKey?.id ?? 'unknown',
  ip: req.ip ?? null,
})
