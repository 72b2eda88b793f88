// apiKeyGuard: the guard as Express middleware (4 and 5); the decisions are GuardCore's.

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { Answer } from './answers'
import { setApiKey } from './api-key-property'
import { type Decision, GuardCore } from './core'
import { tokenFromHeaders } from './credentials'
import { type ApiKeyGuardOptions, resolveGuardOptions } from './options'
import type { Refusal } from './refusal'
import { finishOnClose, markRefused, type RequestView, track } from './request-tracking'

export type { ApiKeyContext } from './api-key-property'

const EXPRESS_VIEW: RequestView<Request> = {
  method: (req) => req.method,
  url: (req) => req.originalUrl ?? req.url ?? '',
  ip: (req) => req.ip,
}

const ipOf = (req: Request): string | undefined => req.ip

/**
 * The default answer to a refusal: its status and `{ error, code }`. Without Express's helpers
 * (apiKeyGuard mounted as plain `(req, res, next)` middleware, e.g. under connect), node:http's own.
 */
function send(res: Response, answer: Answer): void {
  if (typeof res.status === 'function' && typeof res.json === 'function') {
    res.status(answer.status).json(answer.body)
    return
  }
  const body = JSON.stringify(answer.body)
  res.statusCode = answer.status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.end(body)
}

export function apiKeyGuard(options?: ApiKeyGuardOptions): RequestHandler {
  const config = resolveGuardOptions(options)
  const core = new GuardCore<Request>(config, ipOf)
  const { log } = core
  const skip = config.skip as ApiKeyGuardOptions['skip']
  const getToken = config.getToken as ApiKeyGuardOptions['getToken']
  const handler = config.handler as ApiKeyGuardOptions['handler']

  const refuse = (req: Request, res: Response, next: NextFunction, decision: Decision): void => {
    const answer = decision.answer as Answer
    markRefused(res, answer.code)
    if (handler === undefined) return send(res, answer)
    const refusal: Refusal = {
      status: answer.status,
      code: answer.code,
      body: answer.body,
      verdict: decision.verdict,
      keyId: decision.token?.id ?? null,
    }
    const answered: unknown = handler(req, res, next, refusal)
    if (answered instanceof Promise) answered.catch(next)
  }

  return async function keyguard(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      if (skip !== undefined) {
        const skipped = skip(req)
        if (skipped === true || (skipped instanceof Promise && (await skipped))) return next()
      }
      let token: string | null
      if (getToken === undefined) token = tokenFromHeaders(req.headers)
      else token = (await getToken(req)) || null
      const credits = core.creditsOf(req)
      const decision = await core.decide(req, token, credits, res)
      const parsed = decision.token
      if (
        log !== null &&
        parsed !== null &&
        track(res, log, req, EXPRESS_VIEW, parsed.id, token as string, credits)
      ) {
        res.on('close', finishOnClose)
      }
      if (decision.answer !== null) return refuse(req, res, next, decision)
      const verdict = decision.verdict
      if (verdict !== null && verdict.record !== null && parsed !== null) {
        setApiKey(req, verdict.record, verdict.tokenScopes, parsed.type)
      }
      next()
    } catch (error) {
      next(error)
    }
  }
}
