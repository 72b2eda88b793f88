// Random concurrent admin calls over two keys, checked against a model: every batch must end as if its calls had run
// one after another in some order (its answers and the end state both), so no write is lost, revived or torn.

import fc from 'fast-check'
import { hashToken, type KeyStatus } from '../../src'
import { type Answer, type PairKind, useAdminPair } from '../harness/admin-pair'

type Op =
  | { op: 'name'; key: number; value: string }
  | { op: 'category'; key: number; value: string }
  | { op: 'metadata'; key: number; value: number }
  | { op: 'status'; key: number; value: 'active' | 'inactive' }
  | { op: 'regenerate'; key: number }
  | { op: 'delete'; key: number }

interface KeyModel {
  exists: boolean
  name: string
  category: string | null
  metadata: Record<string, unknown>
  status: KeyStatus
  /** The one token whose hash the key holds. */
  token: string
}

const key = fc.integer({ min: 0, max: 1 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constantFrom('name', 'category'),
    key,
    value: fc.constantFrom('a', 'b', 'c'),
  }),
  fc.record({ op: fc.constant('metadata'), key, value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('status'), key, value: fc.constantFrom('active', 'inactive') }),
  fc.record({ op: fc.constantFrom('regenerate', 'delete'), key }),
) as fc.Arbitrary<Op>
const batchArb = fc.array(fc.tuple(opArb, fc.integer({ min: 0, max: 1 })), {
  minLength: 2,
  maxLength: 3,
})

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  )
}

/** Applies one call to the model; returns the status it must answer. */
function apply(models: KeyModel[], op: Op, answer: Answer): number {
  const m = models[op.key] as KeyModel
  if (!m.exists) return 404
  if (op.op === 'delete') m.exists = false
  else if (op.op === 'regenerate') m.token = answer.body.data?.api_key ?? '(none)'
  else if (op.op === 'metadata') m.metadata = { v: op.value }
  else if (op.op === 'status') m.status = op.value
  else if (op.op === 'name') m.name = op.value
  else m.category = op.value
  return 200
}

const NUM_RUNS = Number(process.env.KEYGUARD_FUZZ_RUNS ?? 40)

describe.each<PairKind>(['memory', 'redis'])('random admin interleavings on %s', (kind) => {
  const pair = useAdminPair(kind)

  /** What the stores hold, in the model's terms (the token: whichever known one the hash matches). */
  async function observe(ids: string[], tokens: string[][]): Promise<KeyModel[]> {
    return Promise.all(
      ids.map(async (id, i) => {
        const loaded = await pair.store.loadKey(id)
        if (!loaded) return { exists: false } as KeyModel
        const { name, category, metadata, status } = loaded.key
        const token =
          (tokens[i] ?? []).find((t) => hashToken(t) === loaded.secretHash) ?? '(unknown secret)'
        return { exists: true, name, category, metadata, status, token }
      }),
    )
  }

  const comparable = (models: KeyModel[]): KeyModel[] =>
    models.map((m) => (m.exists ? m : ({ exists: false } as KeyModel)))

  it(`every batch of concurrent calls is some serial order of them (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 3, maxLength: 6 }), async (batches) => {
        const created = await Promise.all(
          [0, 1].map((i) => pair.send(0, 'POST', '/keys', { name: `k${i}` })),
        )
        const ids = created.map((c) => c.body.data?.id as string)
        const tokens = created.map((c) => [c.body.data?.api_key as string])
        let model: KeyModel[] = created.map((c, i) => ({
          exists: true,
          name: `k${i}`,
          category: null,
          metadata: {},
          status: 'active',
          token: c.body.data?.api_key as string,
        }))
        for (const batch of batches) {
          const answers = await Promise.all(
            batch.map(([op, side]) => {
              const path = `/keys/${ids[op.key]}`
              if (op.op === 'delete') return pair.send(side, 'DELETE', path)
              if (op.op === 'regenerate') return pair.send(side, 'POST', `${path}/regenerate`)
              const body =
                op.op === 'metadata' ? { metadata: { v: op.value } } : { [op.op]: op.value }
              return pair.send(side, 'PUT', path, body)
            }),
          )
          answers.forEach((a, i) => {
            const op = batch[i]?.[0]
            if (op?.op === 'regenerate' && a.status === 200) {
              tokens[op.key]?.push(a.body.data?.api_key as string)
            }
          })
          const seen = comparable(await observe(ids, tokens))
          const orders = permutations(batch.map((_, i) => i))
          const fits = orders.filter((order) => {
            const next = structuredClone(model)
            const statuses = new Map<number, number>()
            for (const i of order) {
              const [op] = batch[i] as [Op, number]
              statuses.set(i, apply(next, op, answers[i] as Answer))
            }
            const sameAnswers = answers.every((a, i) => a.status === statuses.get(i))
            return sameAnswers && JSON.stringify(comparable(next)) === JSON.stringify(seen)
          })
          if (fits.length === 0) {
            throw new Error(
              `no serial order explains ${JSON.stringify(batch)} → ${JSON.stringify(
                answers.map((a) => [a.status, a.body.code]),
              )}; stored: ${JSON.stringify(seen)}`,
            )
          }
          model = seen
        }
        // At the end, the guard agrees: only each live key's newest secret authenticates.
        for (const [i, m] of model.entries()) {
          for (const token of tokens[i] ?? []) {
            const expected =
              !m.exists || token !== m.token
                ? { status: 401, code: 'INVALID_API_KEY' }
                : m.status === 'active'
                  ? { status: 200, code: undefined }
                  : { status: 401, code: 'INACTIVE_API_KEY' }
            expect(await pair.verify(token)).toEqual(expected)
          }
        }
      }),
      { seed: 20261202, numRuns: NUM_RUNS },
    )
  }, 120000)
})
