// adminRouter: the REST API of keys and plans (Limitly-compatible), protected by apiKeyGuard's admin scope.

import express, { type NextFunction, type Request, type Response, Router } from 'express'
import { adminErrorHandler } from './admin-errors'
import { type AdminRouterOptions, resolveAdminOptions } from './admin-options'
import { defaultStore } from './default-store'
import { KeyguardError, validationError } from './errors'
import { apiKeyGuard } from './guard'
import { KeyManager } from './key-manager'
import type { KeyCreateInput, KeyUpdateInput, PlanCreateInput, PlanUpdateInput } from './schemas'

type Handler = (req: Request, res: Response) => Promise<unknown>

/** The JSON body as an object; no body counts as `{}`. */
function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError('body', 'must be a JSON object')
  }
  return value as Record<string, unknown>
}

const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

/** A body express.json() did not parse has another content type: say so instead of ignoring it. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.body === undefined && hasBody(req) && (req.method === 'POST' || req.method === 'PUT')) {
    throw new KeyguardError(415, 'VALIDATION_ERROR', 'Unsupported Media Type', {
      field: 'body',
      message: 'send the body as JSON with "Content-Type: application/json"',
    })
  }
  next()
}

function methodNotAllowed(allowed: string[]): (req: Request, res: Response) => void {
  return (req, res) => {
    res.setHeader('Allow', allowed.join(', '))
    res
      .status(405)
      .json(
        new KeyguardError(
          405,
          'METHOD_NOT_ALLOWED',
          `Method ${req.method} not allowed; use ${allowed.join(', ')}`,
        ).toJSON(),
      )
  }
}

export function adminRouter(options?: AdminRouterOptions): Router {
  const config = resolveAdminOptions(options)
  const store = config.store ?? defaultStore()
  const keys = new KeyManager(store, { prefix: config.prefix })
  const onError =
    config.onError ??
    ((error: unknown) => console.error('keyguard adminRouter: unexpected error:', error))
  const router = Router()

  router.use(apiKeyGuard({ ...config.guard, store, scopes: config.scopes, prefix: config.prefix }))
  router.use((_req, res, next) => {
    // Answers carry secrets (create, regenerate) and live data: never cache them.
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  router.use(express.json({ limit: config.bodyLimit }))
  router.use(requireJson)

  const routes: Record<string, Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', Handler>>> = {
    '/keys': {
      GET: async (req, res) => res.json(await keys.list(req.query)),
      POST: async (req, res) =>
        res.status(201).json(await keys.create(body(req) as KeyCreateInput)),
    },
    '/keys/:id': {
      GET: async (req, res) => res.json(await keys.get(id(req))),
      PUT: async (req, res) => res.json(await keys.update(id(req), body(req) as KeyUpdateInput)),
      DELETE: async (req, res) => res.json(await keys.delete(id(req))),
    },
    '/keys/:id/regenerate': {
      POST: async (req, res) => res.json(await keys.regenerate(id(req), body(req))),
    },
    '/keys/:id/usage': {
      GET: async (req, res) => res.json(await keys.usage(id(req))),
    },
    '/keys/:id/requests': {
      GET: async (req, res) => res.json(await keys.requests(id(req), req.query)),
    },
    '/plans': {
      GET: async (_req, res) => res.json(await keys.plans.list()),
      POST: async (req, res) =>
        res.status(201).json(await keys.plans.create(body(req) as PlanCreateInput)),
    },
    '/plans/:id': {
      GET: async (req, res) => res.json(await keys.plans.get(id(req))),
      PUT: async (req, res) =>
        res.json(await keys.plans.update(id(req), body(req) as PlanUpdateInput)),
      DELETE: async (req, res) => res.json(await keys.plans.delete(id(req))),
    },
    // POST /tokens (client tokens, DESIGN §3) belongs here; a later issue adds it.
  }

  for (const [path, handlers] of Object.entries(routes)) {
    const route = router.route(path)
    for (const [method, handler] of Object.entries(handlers)) {
      route[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](async (req, res) => {
        await handler(req, res)
      })
    }
    route.all(methodNotAllowed(Object.keys(handlers)))
  }

  router.use((_req, res) => {
    res.status(404).json(new KeyguardError(404, 'NOT_FOUND', 'Not found').toJSON())
  })
  router.use(adminErrorHandler(onError))
  return router
}

const id = (req: Request): string => String(req.params.id ?? '')
