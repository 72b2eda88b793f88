// keyguardFastify: the guard as a Fastify plugin (an onRequest hook), at the scope it is registered in.

import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import { KeyguardConfigError } from '../errors'
import {
  type ApiKeyContext,
  apiKeyContext,
  finishOnClose,
  GuardCore,
  type GuardOptions,
  markRefused,
  type RequestView,
  resolveGuardOptions,
  tokenFromHeaders,
  track,
} from '../guard'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by keyguardFastify for an allowed request; null otherwise. */
    apiKey: ApiKeyContext | null
  }
}

export type FastifyGuardOptions = GuardOptions<FastifyRequest>

const VIEW: RequestView<FastifyRequest> = {
  method: (request) => request.method,
  url: (request) => request.url,
  ip: (request) => request.ip,
}

/** Fastify's own register options, which it passes to every plugin beside ours. */
const FASTIFY_KEYS = new Set(['logLevel', 'logSerializers'])

const plugin: FastifyPluginCallback<FastifyGuardOptions> = (fastify, options, done) => {
  const own = Object.fromEntries(Object.entries(options).filter(([k]) => !FASTIFY_KEYS.has(k)))
  if (own.handler !== undefined) {
    throw new KeyguardConfigError(
      'keyguardFastify: option "handler" is for apiKeyGuard (Express); use Fastify\'s setErrorHandler or an onSend hook',
    )
  }
  const config = resolveGuardOptions(own as FastifyGuardOptions, 'keyguardFastify')
  const core = new GuardCore<FastifyRequest>(config, VIEW.ip, 'keyguardFastify')
  const { log } = core
  const skip = config.skip as FastifyGuardOptions['skip']
  const getToken = config.getToken as FastifyGuardOptions['getToken']
  if (!fastify.hasRequestDecorator('apiKey')) fastify.decorateRequest('apiKey', null)

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (skip !== undefined && (await skip(request))) return
    const token =
      getToken === undefined ? tokenFromHeaders(request.headers) : (await getToken(request)) || null
    const credits = core.creditsOf(request)
    const headers = { setHeader: (name: string, value: string) => reply.header(name, value) }
    const decision = await core.decide(request, token, credits, headers)
    const parsed = decision.token
    const raw = reply.raw
    if (
      log !== null &&
      parsed !== null &&
      track(raw, log, request, VIEW, parsed.id, token as string, credits)
    ) {
      raw.on('close', finishOnClose)
    }
    if (decision.answer !== null) {
      markRefused(raw, decision.answer.code)
      return reply.code(decision.answer.status).send(decision.answer.body)
    }
    const verdict = decision.verdict
    if (verdict !== null && verdict.record !== null && parsed !== null) {
      request.apiKey = apiKeyContext(verdict.record, verdict.tokenScopes, parsed.type)
    }
  })
  done()
}

// Like fastify-plugin: the hook applies to the scope that registers the plugin, not a child scope of its own.
;(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true
;(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'keyguard'

/** `fastify.register(keyguardFastify, { store })`: guards every route of the scope it is registered in. */
export const keyguardFastify = plugin
