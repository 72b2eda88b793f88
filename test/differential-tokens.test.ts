// MemoryStore and RedisStore on random admin changes and traffic: sk, pat and client tokens, scopes, status,
// expiry, regenerate grace periods and costs. Every verdict and every RateLimit header must match.

import fc from 'fast-check'
import {
  KeyguardError,
  KeyManager,
  MemoryStore,
  RedisStore,
  type Store,
  type Verdict,
} from '../src'
import { setRateLimitHeaders } from '../src/guard'
import { hashToken, parseToken } from '../src/token'
import { deletePrefix, testRedisUrl, uniquePrefix } from './harness/redis'

const RUNS = Number(process.env.KEYGUARD_DIFF_RUNS ?? 60)
const START = Date.parse('2026-05-31T23:58:00Z')

/** Which token a verification presents: the sk key's, its previous one, the pat, a client token. */
const ROLES = ['sk', 'previous', 'pat', 'ct', 'forged'] as const
type Role = (typeof ROLES)[number]
const SCOPES = ['read', 'write', 'reports:read', 'reports:*']

type Op =
  | { op: 'verify'; role: Role; cost: number; need: string[] }
  | { op: 'advance'; ms: number }
  | { op: 'status'; active: boolean }
  | { op: 'expiry'; inMs: number | null }
  | { op: 'scopes'; scopes: string[] }
  | { op: 'regenerate'; graceSeconds: number }
  | { op: 'mint'; ttlSeconds: number; scopes: string[] | null }

const scopeList = fc.subarray(SCOPES)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('verify' as const),
      role: fc.constantFrom(...ROLES),
      cost: fc.integer({ min: 0, max: 3 }),
      need: fc.subarray(['read', 'write', 'reports:read'], { maxLength: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 0, max: 4 * 3600_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('status' as const), active: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('expiry' as const),
      inMs: fc.option(fc.integer({ min: -60_000, max: 3 * 3600_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('scopes' as const), scopes: scopeList }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('regenerate' as const),
      graceSeconds: fc.constantFrom(0, 5, 3600),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('mint' as const),
      ttlSeconds: fc.constantFrom(1, 60, 7200),
      scopes: fc.option(scopeList),
    }),
  },
)

/** The headers a verdict puts on a response, as the guard writes them (legacy ones included). */
function headersOf(verdict: Verdict): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) }
  setRateLimitHeaders(res, verdict, true)
  return headers
}

/** One store's side of a run: its key manager and the tokens it handed out, by role. */
class Side {
  readonly keys: KeyManager
  readonly tokens: Partial<Record<Role, string>> = {}
  skId = ''
  /** The sk key's expiry as last written, in ms (null: none). */
  expiresAt: number | null = null

  constructor(readonly store: Store) {
    this.keys = new KeyManager(store)
  }

  async setUp(): Promise<void> {
    const sk = await this.keys.create({
      name: 'sk',
      scopes: ['read', 'reports:*'],
      rate: { per_second: 4, burst: 6, per_minute: 30 },
      quotas: { total: 200, daily: 25, weekly: 60 },
    })
    const pat = await this.keys.create({ name: 'pat', type: 'pat', scopes: ['read'] })
    this.skId = sk.data.id
    this.tokens.sk = sk.data.api_key
    this.tokens.pat = pat.data.api_key
    this.tokens.forged = `${sk.data.api_key.slice(0, -8)}AAAAAAAA`
  }

  /** What the operation did, in terms both stores must agree on. */
  async apply(op: Op, now: number): Promise<unknown> {
    try {
      switch (op.op) {
        case 'verify': {
          const token = this.tokens[op.role]
          const parsed = token ? parseToken(token, 'kg') : null
          if (!token || !parsed) return 'no token'
          const verdict = await this.store.verify({
            ...parsed,
            hash: hashToken(token),
            cost: op.cost,
            scopes: op.need,
          })
          const { record, recordVersion, ...rest } = verdict
          return {
            ...rest,
            record: record === null ? null : JSON.parse(record).name,
            headers: headersOf(verdict),
          }
        }
        case 'status':
          await this.keys.update(this.skId, { status: op.active ? 'active' : 'inactive' })
          return 'ok'
        case 'expiry': {
          const at = op.inMs === null ? null : now + op.inMs
          // An expiry before the store's clock is refused (400), unless it is the one the key has.
          const past = at !== null && at < now && at !== this.expiresAt
          await this.keys.update(this.skId, {
            expires_at: at === null ? null : new Date(at).toISOString(),
          })
          if (past) throw new Error(`an expiry ${-(op.inMs ?? 0)} ms in the past was accepted`)
          this.expiresAt = at
          return 'ok'
        }
        case 'scopes':
          await this.keys.update(this.skId, { scopes: op.scopes })
          return 'ok'
        case 'regenerate': {
          const { data } = await this.keys.regenerate(this.skId, { grace_seconds: op.graceSeconds })
          this.tokens.previous = this.tokens.sk
          this.tokens.sk = data.api_key
          return 'ok'
        }
        case 'mint': {
          const { data } = await this.keys.tokens.create({
            key_id: this.skId,
            ttl_seconds: op.ttlSeconds,
            ...(op.scopes === null ? {} : { scopes: op.scopes }),
          })
          this.tokens.ct = data.token
          return data.scopes
        }
        default:
          return 'advanced'
      }
    } catch (error) {
      if (error instanceof KeyguardError) return `error ${error.code}`
      throw error
    }
  }
}

describe('MemoryStore and RedisStore agree on every token type and admin change', () => {
  const prefix = uniquePrefix()
  afterAll(async () => {
    await deletePrefix(prefix)
  })

  it(`random changes and traffic: same verdicts, same headers (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 50 }), async (ops) => {
        let now = START
        const clock = () => now
        const sides = [
          new Side(new MemoryStore({ clock })),
          new Side(new RedisStore({ url: testRedisUrl(), prefix, clock })),
        ]
        try {
          for (const side of sides) await side.setUp()
          for (const op of ops) {
            if (op.op === 'advance') now += op.ms
            const [memory, redis] = [await sides[0]?.apply(op, now), await sides[1]?.apply(op, now)]
            expect({ op, outcome: redis }).toEqual({ op, outcome: memory })
          }
        } finally {
          for (const side of sides) await side.store.close()
        }
      }),
      { seed: 20261202, numRuns: RUNS },
    )
  }, 300_000)
})
