// nodeGuard: the guard for a plain node:http server (and anything built on its req/res without Express).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { KeyguardConfigError } from '../errors'
import {
  type Answer,
  type ApiKeyContext,
  finishOnClose,
  GuardCore,
  type GuardOptions,
  markRefused,
  type RequestView,
  resolveGuardOptions,
  setApiKey,
  tokenFromHeaders,
  track,
} from '../guard'

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by nodeGuard for an allowed request. */
    apiKey?: ApiKeyContext
  }
}

const VIEW: RequestView<IncomingMessage> = {
  method: (req) => req.method ?? 'GET',
  url: (req) => req.url ?? '/',
  ip: (req) => req.socket?.remoteAddress,
}

const bodies = new WeakMap<Answer, string>()

/** Sends a refusal with nothing but node:http: status, JSON body, no framework helpers. */
function send(res: ServerResponse, answer: Answer): void {
  let body = bodies.get(answer)
  if (body === undefined) {
    body = JSON.stringify(answer.body)
    bodies.set(answer, body)
  }
  res.statusCode = answer.status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}

/** A guard for node:http: resolves true to go on (with `req.apiKey` set), false once it has answered. */
export type NodeGuard = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

/**
 * The guard for `http.createServer`: `if (!(await guard(req, res))) return`. The client IP is the
 * socket's address (no proxy headers are trusted); pass `getIp`-style logic through a `skip` or
 * run behind Express if you need `trust proxy`.
 */
export function nodeGuard(options?: GuardOptions<IncomingMessage>): NodeGuard {
  const config = resolveGuardOptions(options, 'nodeGuard')
  const core = new GuardCore<IncomingMessage>(config, VIEW.ip, 'nodeGuard')
  const { log } = core
  const skip = config.skip as GuardOptions<IncomingMessage>['skip']
  const getToken = config.getToken as GuardOptions<IncomingMessage>['getToken']
  if (config.handler !== undefined) {
    throw new KeyguardConfigError(
      'nodeGuard: option "handler" is for apiKeyGuard (Express); answer refusals yourself when `await guard(req, res)` is false',
    )
  }

  return async function keyguard(req, res) {
    if (skip !== undefined && (await skip(req))) return true
    const token =
      getToken === undefined ? tokenFromHeaders(req.headers) : (await getToken(req)) || null
    const credits = core.creditsOf(req)
    const decision = await core.decide(req, token, credits, res)
    const parsed = decision.token
    if (
      log !== null &&
      parsed !== null &&
      track(res, log, req, VIEW, parsed.id, token as string, credits)
    ) {
      res.on('close', finishOnClose)
    }
    if (decision.answer !== null) {
      markRefused(res, decision.answer.code)
      send(res, decision.answer)
      return false
    }
    const verdict = decision.verdict
    if (verdict !== null && verdict.record !== null && parsed !== null) {
      setApiKey(req, verdict.record, verdict.tokenScopes, parsed.type)
    }
    return true
  }
}
