// Validates options once, at creation, and turns zod issues into one message that says what to change.

import type { z } from 'zod'
import { KeyguardConfigError } from '../errors'
import { didYouMean } from './did-you-mean'

export function validateOptions<T extends z.ZodObject>(
  what: string,
  schema: T,
  input: unknown,
): z.infer<T> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const known = Object.keys(schema.shape)
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => {
          const hint = didYouMean(key, known)
          return `unknown option "${key}"${hint ? `; did you mean "${hint}"?` : ` (known: ${known.join(', ')})`}`
        })
        .join('; ')
    }
    const path = issue.path.length > 0 ? `option "${issue.path.join('.')}"` : 'options'
    return `${path}: ${issue.message}`
  })
  throw new KeyguardConfigError(`${what}: ${problems.join('; ')}`)
}
