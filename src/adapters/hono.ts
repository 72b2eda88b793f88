// keyguardHono: the guard as Hono middleware (any runtime Hono runs on; the request log needs Node's timers).

import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { KeyguardConfigError } from '../errors'
import {
  type ApiKeyContext,
  apiKeyContext,
  finish,
  GuardCore,
  type GuardOptions,
  markRefused,
  type RequestView,
  resolveGuardOptions,
  tokenFromHeaders,
  track,
  trackedOf,
} from '../guard'

export type HonoGuardOptions = GuardOptions<Context>

/** What the middleware puts on the context: `c.get('apiKey')`. */
export type KeyguardVariables = { apiKey: ApiKeyContext }

/** The client IP as @hono/node-server exposes it; other runtimes: pass `ipBlock: false` or run behind one that does. */
const ipOf = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
    ?.remoteAddress

const VIEW: RequestView<Context> = {
  method: (c) => c.req.method,
  url: (c) => c.req.path,
  ip: ipOf,
}

export function keyguardHono(
  options?: HonoGuardOptions,
): MiddlewareHandler<{ Variables: KeyguardVariables }> {
  if ((options as { handler?: unknown } | undefined)?.handler !== undefined) {
    throw new KeyguardConfigError(
      'keyguardHono: option "handler" is for apiKeyGuard (Express); use app.onError or a middleware after the guard',
    )
  }
  const config = resolveGuardOptions(options, 'keyguardHono')
  const core = new GuardCore<Context>(config, ipOf, 'keyguardHono')
  const { log } = core
  const skip = config.skip as HonoGuardOptions['skip']
  const getToken = config.getToken as HonoGuardOptions['getToken']

  return async (c, next) => {
    if (skip !== undefined && (await skip(c))) return next()
    const token =
      getToken === undefined
        ? tokenFromHeaders({
            authorization: c.req.header('authorization'),
            'x-api-key': c.req.header('x-api-key'),
          })
        : (await getToken(c)) || null
    const credits = core.creditsOf(c)
    const headers = { setHeader: (name: string, value: string) => c.header(name, value) }
    const decision = await core.decide(c, token, credits, headers)
    const parsed = decision.token
    const entry = {}
    if (log !== null && parsed !== null)
      track(entry, log, c, VIEW, parsed.id, token as string, credits)
    const tracked = trackedOf(entry)
    if (decision.answer !== null) {
      markRefused(entry, decision.answer.code)
      if (tracked !== undefined) finish(tracked, decision.answer.status)
      return c.json(decision.answer.body, decision.answer.status as ContentfulStatusCode)
    }
    const verdict = decision.verdict
    if (verdict !== null && verdict.record !== null && parsed !== null) {
      c.set('apiKey', apiKeyContext(verdict.record, verdict.tokenScopes, parsed.type))
    }
    try {
      await next()
    } finally {
      if (tracked !== undefined) finish(tracked, c.res.status)
    }
  }
}
