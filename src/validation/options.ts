// Validates options once, at creation, and turns zod issues into one message that says what to change.

import type { z } from 'zod'
import { KeyguardConfigError } from '../errors'
import { didYouMean } from './did-you-mean'

/** A zod issue as far as this file reads it (unions carry their branches' issues). */
interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  keys?: string[]
  errors?: Issue[][]
}

/** The schema of an object option, through optional, default and union wrappers. */
function objectShape(schema: unknown): Record<string, unknown> | null {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def
  if (!def) return null
  if (def.type === 'object') return def.shape as Record<string, unknown>
  if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') {
    return objectShape(def.innerType)
  }
  if (def.type === 'union') {
    for (const option of def.options as unknown[]) {
      const shape = objectShape(option)
      if (shape) return shape
    }
  }
  return null
}

/** The option names known at `path` (the top level when empty). */
function knownAt(schema: z.ZodObject, path: PropertyKey[]): string[] {
  let shape: Record<string, unknown> | null = schema.shape
  for (const segment of path) {
    shape = shape ? objectShape(shape[String(segment)]) : null
  }
  return shape ? Object.keys(shape) : []
}

/**
 * A union's message is zod's "Invalid input": report the branch that got furthest instead (an
 * `ipBlock: { failures: 1.5 }` is a bad field of the object branch, not a bad `false`).
 */
function deepest(issue: Issue): Issue[] {
  const branches = issue.errors ?? []
  let best: Issue[] | null = null
  let depth = 0
  for (const branch of branches) {
    const d = Math.max(0, ...branch.map((i) => i.path.length))
    if (d > depth || (d === depth && branch.some((i) => i.code === 'unrecognized_keys'))) {
      best = branch
      depth = d
    }
  }
  if (!best) return [issue]
  return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))
}

function describe(schema: z.ZodObject, issue: Issue): string {
  if (issue.code === 'invalid_union' && issue.errors) {
    const inner = deepest(issue)
    if (inner[0] !== issue) return inner.map((i) => describe(schema, i)).join('; ')
  }
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const known = knownAt(schema, issue.path)
    const where = issue.path.length > 0 ? `${issue.path.join('.')}.` : ''
    return issue.keys
      .map((key) => {
        const hint = didYouMean(key, known)
        const name = `unknown option "${where}${key}"`
        return hint
          ? `${name}; did you mean "${where}${hint}"?`
          : `${name} (known: ${known.join(', ')})`
      })
      .join('; ')
  }
  const path = issue.path.length > 0 ? `option "${issue.path.join('.')}"` : 'options'
  return `${path}: ${issue.message}`
}

export function validateOptions<T extends z.ZodObject>(
  what: string,
  schema: T,
  input: unknown,
): z.infer<T> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const problems = (result.error.issues as unknown as Issue[]).map((issue) =>
    describe(schema, issue),
  )
  throw new KeyguardConfigError(`${what}: ${problems.join('; ')}`)
}
