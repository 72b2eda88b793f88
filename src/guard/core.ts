// The guard without a framework: one request's token, cost and IP in; a decision and its headers out.

import { performance } from 'node:perf_hooks'
import { KeyguardConfigError } from '../errors'
import { type IpBlocker, ipBlockerFor, ipGroup } from '../ip-block'
import { type RequestLogBatcher, requestLogBatcher } from '../request-log'
import type { GuardStore, Verdict, VerifyRequest } from '../store'
import { defaultStore, isSelfBounded, StoreDataLostError, withTimeout } from '../store'
import {
  emitEvent,
  hasEventListeners,
  type Logger,
  recordVerifySpan,
  SILENT_LOGGER,
  type VerdictEvent,
} from '../telemetry'
import { hashToken, importedToken, isForeignToken, type ParsedToken, parseToken } from '../token'
import {
  type Answer,
  EXPIRED,
  INACTIVE,
  INVALID,
  IP_BLOCKED,
  MISSING,
  quotaAnswers,
  RATE_MINUTE,
  RATE_SECOND,
  SCOPE,
  STORE_UNAVAILABLE,
} from './answers'
import type { ResolvedGuardOptions } from './options'
import { type HeaderSink, PolicyCache, setRateLimitHeaders } from './rate-limit-headers'
import { ThrottledWarning } from './throttled-warning'

/** What the guard decided for one request. */
export interface Decision {
  /** The refusal to answer with; null lets the request through. */
  answer: Answer | null
  /** The store's verdict, when it answered. */
  verdict: Verdict | null
  /** The parsed token, once it parsed and its type is accepted: the request is then logged under its key. */
  token: ParsedToken | null
  /** True when the store failed and `onStoreError: 'fail-open'` let the request through. */
  failedOpen: boolean
}

const retryAfter = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)))

/** A rejection never waits on what the failure count returns (a number, or a promise of one). */
const ignore = (): void => {}

const refusalOf = (verdict: Verdict, quota: ReadonlyMap<string | null, Answer>): Answer => {
  switch (verdict.outcome) {
    case 'inactive':
      return INACTIVE
    case 'expired':
      return EXPIRED
    case 'scope':
      return SCOPE
    case 'quota':
      return quota.get(verdict.failed) as Answer
    case 'rate':
      return verdict.failed === 'minute' ? RATE_MINUTE : RATE_SECOND
    default:
      return INVALID
  }
}

/** Checks a whole number of credits; a bad cost is the app's bug, reported as a config error. */
export function checkedCost(credits: unknown, what = 'apiKeyGuard'): number {
  if (typeof credits === 'number' && Number.isInteger(credits) && credits >= 0) return credits
  throw new KeyguardConfigError(
    `${what}: the cost function returned ${String(credits)}; it must return a whole number >= 0`,
  )
}

/**
 * Shared by every adapter (Express, node:http, Fastify, Hono, `keyguardVerifier`). `R` is the
 * framework's request; `ipOf` reads its client IP, only when it is needed.
 */
export class GuardCore<R> {
  readonly store: GuardStore
  readonly log: RequestLogBatcher | null
  readonly logger: Logger
  private readonly storeWarning: ThrottledWarning
  private readonly blocker: IpBlocker | null
  private readonly quota: ReadonlyMap<string | null, Answer>
  private readonly storeRetryAfter: string
  private readonly policies = new PolicyCache()
  // Whether the store bounds its own calls, looked up again only if its verify method is replaced.
  private checked: GuardStore['verify'] | null = null
  private selfBounded = false

  constructor(
    readonly config: ResolvedGuardOptions,
    private readonly ipOf: (req: R) => string | undefined,
    /** The guard's name in errors: `apiKeyGuard`, `nodeGuard`, … */
    private readonly what = 'apiKeyGuard',
  ) {
    this.store = config.store ?? defaultStore()
    this.log = requestLogBatcher(this.store, config.requestLog)
    this.blocker = config.ipBlock === false ? null : ipBlockerFor(this.store, config.ipBlock)
    this.quota = quotaAnswers(config.quotaExceededStatus)
    this.storeRetryAfter = String(config.storeRetryAfter)
    this.logger = config.logger ?? SILENT_LOGGER
    this.storeWarning = new ThrottledWarning(this.logger)
  }

  /** The credits a request is charged: the `cost` option, or what its function returns (checked). */
  creditsOf(req: R): number {
    const { cost } = this.config
    return typeof cost === 'number' ? cost : checkedCost(cost(req), this.what)
  }

  /** Decides one request: sets its headers on `headers` and says whether to refuse it. */
  async decide(
    req: R,
    token: string | null,
    credits: number,
    headers: HeaderSink,
    scopes: string[] = this.config.scopes,
  ): Promise<Decision> {
    const startedAt = Date.now()
    const started = performance.now()
    const decision = await this.decideUntimed(req, token, credits, headers, scopes)
    this.report(decision, startedAt, performance.now() - started)
    return decision
  }

  private async decideUntimed(
    req: R,
    token: string | null,
    credits: number,
    headers: HeaderSink,
    scopes: string[],
  ): Promise<Decision> {
    const { blocker, config } = this
    // Only a process that knows of some block pays for the IP lookup (and an await).
    if (blocker !== null && blocker.local.size > 0 && (await this.blocked(req, headers))) {
      return refused(IP_BLOCKED, null, null)
    }
    if (token === null) {
      headers.setHeader('WWW-Authenticate', 'Bearer')
      return refused(MISSING, null, null)
    }
    let parsed = parseToken(token, config.prefix)
    let hash: string | null = null
    if (parsed === null) {
      // A foreign token (an imported key's) finds its id and slot from its own hash: still one call.
      if (!this.looksUp(token)) return this.invalid(req, false, null)
      hash = hashToken(token)
      parsed = importedToken(hash)
    }
    if (!config.tokenTypes.includes(parsed.type)) return refused(SCOPE, null, null)

    let verdict: Verdict
    try {
      verdict = await this.verify({
        id: parsed.id,
        tag: parsed.tag,
        hash: hash ?? hashToken(token),
        cost: credits,
        scopes,
        type: parsed.type,
      })
    } catch (error) {
      return this.storeFailed(error, parsed, headers)
    }

    const ok = verdict.outcome === 'ok'
    setRateLimitHeaders(
      headers,
      verdict,
      config.legacyHeaders,
      ok ? this.policies.get(parsed.id, verdict) : null,
    )
    if (ok) return { answer: null, verdict, token: parsed, failedOpen: false }
    if (verdict.outcome === 'invalid') return this.invalid(req, true, parsed, verdict)
    if (verdict.outcome === 'quota') {
      // A total quota never resets (-1): no Retry-After.
      if (verdict.retryAfterMs >= 0)
        headers.setHeader('Retry-After', retryAfter(verdict.retryAfterMs))
    } else if (verdict.outcome === 'rate') {
      headers.setHeader('Retry-After', retryAfter(verdict.retryAfterMs))
    }
    return refused(refusalOf(verdict, this.quota), verdict, parsed)
  }

  /** Whether a token `parseToken` refused gets the imported-key lookup (`importedKeys`, and an `sk` route). */
  private looksUp(token: string): boolean {
    const { config } = this
    return (
      config.importedKeys &&
      config.tokenTypes.includes('sk') &&
      isForeignToken(token, config.prefix)
    )
  }

  /** The store call, bounded once: by the store itself when it honours the timeout, else here. */
  private verify(request: VerifyRequest): Promise<Verdict> {
    const { store } = this
    const method = store.verify
    if (method !== this.checked) {
      this.checked = method
      this.selfBounded = isSelfBounded(method)
    }
    const pending = method.call(store, request, this.config.timeout)
    return this.selfBounded ? pending : withTimeout(pending, this.config.timeout, 'The key store')
  }

  private storeFailed(error: unknown, parsed: ParsedToken, headers: HeaderSink): Decision {
    // Lost data is no outage to ride out: failing open would admit any well-formed token.
    const failOpen =
      this.config.onStoreError === 'fail-open' && !(error instanceof StoreDataLostError)
    this.storeWarning.warn(
      { err: error, keyId: parsed.id },
      failOpen
        ? 'keyguard: the key store failed; the request was let through (onStoreError: fail-open)'
        : 'keyguard: the key store failed; answered 503 STORE_UNAVAILABLE',
    )
    if (hasEventListeners()) emitEvent({ type: 'store-error', error })
    if (failOpen) return { answer: null, verdict: null, token: parsed, failedOpen: true }
    headers.setHeader('Retry-After', this.storeRetryAfter)
    return refused(STORE_UNAVAILABLE, null, parsed)
  }

  /** 403 IP_BLOCKED when the client's IP group is blocked (from memory; re-read now and then). */
  private async blocked(req: R, headers: HeaderSink): Promise<boolean> {
    const blocker = this.blocker as IpBlocker
    const group = ipGroup(this.ipOf(req))
    let ms = blocker.blockedMs(group)
    if (ms > 0 && blocker.needsRecheck(group))
      ms = await blocker.recheck(group, this.config.timeout)
    if (ms <= 0) return false
    headers.setHeader('Retry-After', String(Math.ceil(ms / 1000)))
    return true
  }

  /**
   * A failed authentication: counted against the IP, off the request path; the answer is the same
   * 401. Only a guess (`shared`: the token passed its checksum) goes to the count all processes share.
   */
  private invalid(
    req: R,
    shared: boolean,
    parsed: ParsedToken | null,
    verdict: Verdict | null = null,
  ): Decision {
    if (this.blocker) {
      const counted: unknown = this.blocker.fail(
        ipGroup(this.ipOf(req)),
        this.config.timeout,
        shared,
      )
      if (counted instanceof Promise) counted.catch(ignore)
    }
    return refused(INVALID, verdict, parsed)
  }

  private report(decision: Decision, startedAt: number, latencyMs: number): void {
    const { onVerdict } = this.config
    const listening = hasEventListeners()
    const event: VerdictEvent = {
      type: 'verdict',
      outcome: outcomeOf(decision),
      code: decision.answer?.code ?? null,
      status: decision.answer?.status ?? 200,
      keyId: decision.token?.id ?? null,
      latencyMs,
      startedAt,
    }
    recordVerifySpan(event)
    if (listening) emitEvent(event)
    if (onVerdict !== undefined) {
      try {
        onVerdict(event)
      } catch {
        // The listener's bug is its own; the request goes on.
      }
    }
  }
}

const refused = (answer: Answer, verdict: Verdict | null, token: ParsedToken | null): Decision => ({
  answer,
  verdict,
  token,
  failedOpen: false,
})

const outcomeOf = (decision: Decision): VerdictEvent['outcome'] => {
  if (decision.failedOpen) return 'fail-open'
  if (decision.answer === null) return 'allowed'
  return decision.answer === STORE_UNAVAILABLE ? 'error' : 'rejected'
}
