// Runs an input schema and turns a failure into 400 VALIDATION_ERROR with the field and message.

import type { z } from 'zod'
import { validationError } from '../errors'

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : ''),
    message: issue.message,
  }))
  const first = issues[0] ?? { field: '', message: 'Invalid input' }
  throw validationError(first.field, first.message, issues)
}
