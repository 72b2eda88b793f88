// createVerifier: the guard as a function any server can call, in any language's stead of a middleware.

import type { IncomingHttpHeaders } from 'node:http'
import type { ErrorCode } from '../errors'
import type { Verdict } from '../store'
import { type ApiKeyContext, apiKeyContext } from './api-key-property'
import { checkedCost, GuardCore } from './core'
import { tokenFromHeaders } from './credentials'
import { type GuardOptions, resolveGuardOptions } from './options'
import { finish, markRefused, type RequestView, track, trackedOf } from './request-tracking'

/** One request, as far as the guard needs it. */
export interface VerifyInput {
  /** The request's headers; the token is read from them (`Authorization: Bearer`, `X-API-Key`) unless `token` is given. */
  headers?: IncomingHttpHeaders
  /** The token itself, when you read it from somewhere else. */
  token?: string | null
  /** The client's IP, for blocking after failed authentications. */
  ip?: string
  /** Credits to charge. Defaults to the verifier's `cost`. */
  cost?: number
  /** Scopes this call needs. Defaults to the verifier's `scopes`. */
  scopes?: string[]
  /** For the request log. Defaults to `GET`. */
  method?: string
  /** For the request log (the query string is dropped, tokens redacted). Defaults to `/`. */
  path?: string
}

/** What `verifyRequest` decided, with everything needed to answer. */
export interface VerifyResult {
  allowed: boolean
  /** 200 when allowed, else the error table's status. */
  status: number
  code: ErrorCode | null
  /** `{ error, code }` to send when refused; null when allowed. */
  body: Readonly<{ error: string; code: ErrorCode }> | null
  /** RateLimit, RateLimit-Policy, Retry-After, WWW-Authenticate: set them on the answer. */
  headers: Record<string, string>
  keyId: string | null
  verdict: Verdict | null
  /** The key's public record and token type when allowed (parsed on first read). */
  readonly apiKey: ApiKeyContext | undefined
  /** Logs the request under its key with its final status; call it once the response is done. */
  done(statusCode?: number): void
}

const VIEW: RequestView<VerifyInput> = {
  method: (input) => input.method ?? 'GET',
  url: (input) => input.path ?? '/',
  ip: (input) => input.ip,
}

class HeaderRecord {
  readonly values: Record<string, string> = {}
  setHeader(name: string, value: string): void {
    this.values[name] = value
  }
}

export interface Verifier {
  verifyRequest(input: VerifyInput): Promise<VerifyResult>
}

/** The guard without a framework; takes apiKeyGuard's options (a `cost` function gets the input). */
export function createVerifier(options?: GuardOptions<VerifyInput>): Verifier {
  const config = resolveGuardOptions(options, 'createVerifier')
  const core = new GuardCore<VerifyInput>(config, (input) => input.ip, 'createVerifier')
  return {
    async verifyRequest(input: VerifyInput): Promise<VerifyResult> {
      const token =
        input.token !== undefined ? input.token || null : tokenFromHeaders(input.headers ?? {})
      const credits =
        input.cost !== undefined ? checkedCost(input.cost, 'verifyRequest') : core.creditsOf(input)
      const headers = new HeaderRecord()
      const decision = await core.decide(
        input,
        token,
        credits,
        headers,
        input.scopes ?? config.scopes,
      )
      const { answer, verdict } = decision
      const parsed = decision.token
      const holder = {}
      if (core.log !== null && parsed !== null) {
        track(holder, core.log, input, VIEW, parsed.id, token as string, credits)
        if (answer !== null) markRefused(holder, answer.code)
      }
      let apiKey: ApiKeyContext | undefined
      return {
        allowed: answer === null,
        status: answer?.status ?? 200,
        code: answer?.code ?? null,
        body: answer?.body ?? null,
        headers: headers.values,
        keyId: parsed?.id ?? null,
        verdict,
        get apiKey() {
          if (apiKey === undefined && answer === null && verdict?.record && parsed) {
            apiKey = apiKeyContext(verdict.record, verdict.tokenScopes, parsed.type)
          }
          return apiKey
        },
        done(statusCode?: number) {
          const tracked = trackedOf(holder)
          if (tracked !== undefined) finish(tracked, statusCode ?? answer?.status ?? 200)
        },
      }
    },
  }
}
