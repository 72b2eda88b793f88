// Input schemas for users, shared by KeyManager's `users`, the REST API and the CLI.

import { z } from 'zod'
import type { UserId } from '../types'

/** Limitly's user ids are numbers; keyguard also takes the string ids that keys already carry. */
const stringUserId = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z0-9_.:@+-]+$/,
    'a user id is a whole number, or letters, digits and _ . : @ + - (e.g. 123 or "user_42")',
  )

export const userIdSchema = z.union([
  z.number().int('must be a whole number').min(1, 'must be 1 or more').max(Number.MAX_SAFE_INTEGER),
  stringUserId,
])

/** `123` and `"123"` name the same user: a canonical id is a number when it is one. */
export function canonicalUserId(id: UserId): UserId {
  if (typeof id === 'number') return id
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : id
}

const name = z
  .string({
    error: (issue) => (issue.input === undefined ? 'Name is required' : 'must be a string'),
  })
  .trim()
  .min(1, 'Name is required')
  .max(200)

const isoDate = z
  .string()
  .refine(
    (s) => !Number.isNaN(Date.parse(s)),
    'must be an ISO 8601 date, e.g. 2030-01-01T00:00:00Z',
  )

const userFields = {
  name,
  email: z.email('must be an email address').max(320).nullable().optional(),
  plan_id: z.string().min(1).max(100).nullable().optional(),
  custom_start: isoDate.nullable().optional(),
  is_disabled: z.boolean('must be true or false').optional(),
}

export const userCreateSchema = z.strictObject({
  user_id: userIdSchema.optional(),
  ...userFields,
})

export const userUpdateSchema = z.strictObject({ ...userFields, name: name.optional() })

export type UserCreateInput = z.input<typeof userCreateSchema>
export type UserUpdateInput = z.input<typeof userUpdateSchema>
