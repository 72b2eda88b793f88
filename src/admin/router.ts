// adminRouter: the REST API of keys and plans (Limitly-compatible), protected by apiKeyGuard's admin scope.

import express, { type NextFunction, type Request, type Response, Router } from 'express'
import { AuditLog } from '../audit'
import { assetsDirOf, dashboardRouter } from '../dashboard'
import { KeyguardError, validationError } from '../errors'
import { apiKeyGuard } from '../guard'
import { ipBlockerFor, parseIpGroup } from '../ip-block'
import type { KeyCreateInput, KeyUpdateInput, PlanCreateInput, PlanUpdateInput } from '../keys'
import { KeyManager } from '../keys'
import { defaultStore, withTimeout } from '../store'
import { grantsScope } from '../token'
import { adminErrorHandler } from './errors'
import { type OpenApiDocument, openApiDocument } from './openapi'
import { type AdminRouterOptions, resolveAdminOptions } from './options'
import { ROUTE_GROUPS } from './route-groups'
import { actorOf, body, etag, id, type RouteContext, type Routes, writeOptions } from './route-kit'

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
  /** Every admin action is recorded here once it succeeded (see `recorded`). */
  const audit = new AuditLog(store)
  const { logger } = config
  const onError =
    config.onError ??
    ((error: unknown) => logger?.error({ err: error }, 'keyguard adminRouter: unexpected error'))
  // The router's guards log to the router's logger unless told otherwise.
  const guardOptions = logger === undefined ? config.guard : { logger, ...config.guard }
  /** Records an action once it succeeded; a failed write is reported to onError, the answer stands. */
  const recorded = async (write: () => Promise<unknown>): Promise<void> => {
    try {
      await write()
    } catch (error) {
      onError(error)
    }
  }
  const router = Router()
  // Static files only, no data: mounted before the guard, so a browser can load the sign-in page.
  if (config.dashboard) router.use('/ui', dashboardRouter({ assetsDir: assetsDirOf(options) }))

  let document: OpenApiDocument | undefined
  const serveOpenApi = (req: Request, res: Response): void => {
    document ??= openApiDocument()
    // The servers entry is where this router is mounted, as this request reached it.
    res.json({ ...document, servers: [{ url: req.baseUrl || '/' }] })
  }
  if (config.openapi === 'public') router.get('/openapi.json', serveOpenApi)

  // POST /tokens: any secret key may mint client tokens for itself; admins for any key.
  const minter = apiKeyGuard({
    ...guardOptions,
    store,
    prefix: config.prefix,
    tokenTypes: ['sk', 'pat'],
  })
  router.post(
    '/tokens',
    minter,
    express.json({ limit: config.bodyLimit }),
    requireJson,
    async (req, res) => {
      const caller = req.apiKey
      // No caller would mean trusted code to KeyManager: only a verified key may mint here.
      if (!caller) throw new KeyguardError(401, 'INVALID_API_KEY', 'Invalid API Key')
      if (caller.token_type === 'pat' && !grantsScope(caller.scopes, 'admin')) {
        throw new KeyguardError(403, 'INSUFFICIENT_SCOPE', 'Insufficient permissions')
      }
      // The answer carries a bearer token: never cache it.
      res.setHeader('Cache-Control', 'no-store')
      const minted = await keys.tokens.create(body(req), caller)
      // Minting by an admin is an admin action; a backend minting for its own key is traffic.
      if (grantsScope(caller.scopes, 'admin')) {
        await recorded(() => audit.tokenCreated(actorOf(req), minted.data))
      }
      res.status(201).json(minted)
    },
  )
  // Client tokens never reach the rest of the admin API, whatever their scopes.
  router.use(
    apiKeyGuard({
      ...guardOptions,
      store,
      scopes: config.scopes,
      prefix: config.prefix,
      tokenTypes: ['sk', 'pat'],
    }),
  )
  router.use((_req, res, next) => {
    // Answers carry secrets (create, regenerate) and live data: never cache them.
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  router.use(express.json({ limit: config.bodyLimit }))
  router.use(requireJson)
  if (config.openapi === 'admin') router.get('/openapi.json', serveOpenApi)

  const storeTimeout = typeof config.guard.timeout === 'number' ? config.guard.timeout : 500
  const unblock = async (req: Request, res: Response, text: string): Promise<unknown> => {
    const group = parseIpGroup(text)
    if (group === null) {
      throw validationError(
        'ip',
        'must be an IPv4 or IPv6 address, or an IPv6 /64 like 2001:db8:1:2::/64 (URL-encoded)',
      )
    }
    const blocker = ipBlockerFor(store)
    const before = (await withTimeout(blocker.list(), storeTimeout, 'IP block list')).find(
      (b) => b.ip === group,
    )
    if (!(await withTimeout(blocker.unblock(group), storeTimeout, 'IP unblock'))) {
      throw new KeyguardError(404, 'NOT_FOUND', `IP ${group} is not blocked`, { ip: group })
    }
    await recorded(() => audit.ipUnblocked(actorOf(req), group, before))
    return res.json({ data: { message: 'IP unblocked' } })
  }

  const context: RouteContext = {
    keys,
    audit,
    store,
    recorded,
    guard: { ...guardOptions, store, prefix: config.prefix },
  }
  const routes: Routes = {
    '/keys': {
      GET: async (req, res) => res.json(await keys.list(req.query)),
      POST: async (req, res) => {
        const result = await keys.create(body(req) as KeyCreateInput)
        await recorded(() => audit.keyCreated(actorOf(req), result.data))
        return res.status(201).json(result)
      },
    },
    '/keys/:id': {
      GET: async (req, res) => {
        const { data, version } = await keys.read(id(req))
        return res.setHeader('ETag', etag(version)).json({ data })
      },
      PUT: async (req, res) => {
        const input = body(req) as KeyUpdateInput
        const { data, before, version, changed } = await keys.edit(
          id(req),
          input,
          writeOptions(req),
        )
        if (changed) await recorded(() => audit.keyUpdated(actorOf(req), before, data))
        return res.setHeader('ETag', etag(version)).json({ data })
      },
      DELETE: async (req, res) => {
        const { data, before } = await keys.remove(id(req), writeOptions(req))
        await recorded(() => audit.keyDeleted(actorOf(req), before))
        return res.json({ data })
      },
    },
    '/keys/:id/regenerate': {
      POST: async (req, res) => {
        const input = body(req)
        const result = await keys.regenerate(id(req), input, writeOptions(req))
        const grace = typeof input.grace_seconds === 'number' ? input.grace_seconds : 0
        await recorded(() => audit.keyRegenerated(actorOf(req), result.data, grace))
        // The answer is `{data}` as documented; the new version goes in the ETag, as on PUT.
        const { version } = result as { version?: number }
        if (typeof version === 'number') res.setHeader('ETag', etag(version))
        return res.json({ data: result.data })
      },
    },
    '/keys/:id/revoke': {
      POST: async (req, res) => {
        const { data, before, version, changed } = await keys.revoke(id(req), writeOptions(req))
        if (changed) await recorded(() => audit.keyRevoked(actorOf(req), before, data))
        return res.setHeader('ETag', etag(version)).json({ data })
      },
    },
    '/keys/:id/usage': {
      GET: async (req, res) => res.json(await keys.usage(id(req))),
    },
    '/keys/:id/requests': {
      GET: async (req, res) => res.json(await keys.requests(id(req), req.query)),
    },
    '/plans': {
      GET: async (_req, res) => res.json(await keys.plans.list()),
      POST: async (req, res) => {
        const result = await keys.plans.create(body(req) as PlanCreateInput)
        await recorded(() => audit.planCreated(actorOf(req), result.data))
        return res.status(201).json(result)
      },
    },
    '/plans/:id': {
      GET: async (req, res) => res.json(await keys.plans.get(id(req))),
      PUT: async (req, res) => {
        const input = body(req) as PlanUpdateInput
        const { data, before, changed } = await keys.plans.edit(id(req), input)
        if (changed) await recorded(() => audit.planUpdated(actorOf(req), before, data))
        return res.json({ data })
      },
      DELETE: async (req, res) => {
        const { data, before } = await keys.plans.remove(id(req))
        await recorded(() => audit.planDeleted(actorOf(req), before))
        return res.json({ data })
      },
    },
    '/audit': {
      GET: async (req, res) => res.json(await audit.list(req.query)),
    },
    '/ip-blocks': {
      GET: async (_req, res) => {
        const blocks = await withTimeout(ipBlockerFor(store).list(), storeTimeout, 'IP block list')
        return res.json({ data: blocks, count: blocks.length })
      },
    },
    '/ip-blocks/:ip': {
      DELETE: async (req, res) => unblock(req, res, String(req.params.ip ?? '')),
    },
    // An IPv6 /64 sent without encoding its slash: /ip-blocks/2001:db8:1:2::/64.
    '/ip-blocks/:ip/:bits': {
      DELETE: async (req, res) =>
        unblock(req, res, `${String(req.params.ip ?? '')}/${String(req.params.bits ?? '')}`),
    },
  }

  const allRoutes: Routes = Object.assign(routes, ...ROUTE_GROUPS.map((group) => group(context)))
  // A literal path (/keys/import) goes before a parameter one that matches it too (/keys/:id).
  const params = (path: string): number => path.split(':').length
  const ordered = Object.entries(allRoutes).sort(([a], [b]) => params(a) - params(b))
  for (const [path, handlers] of ordered) {
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
