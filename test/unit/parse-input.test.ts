// Request input that fails its schema: 400 VALIDATION_ERROR naming the field, with every issue.

import { z } from 'zod'
import { KeyguardError } from '../../src/errors'
import { parseInput } from '../../src/validation'

const schema = z.strictObject({
  name: z.string().min(1, 'name is required'),
  quotas: z.strictObject({ daily: z.number().int('must be whole') }).optional(),
})

const failure = (input: unknown): KeyguardError => {
  try {
    parseInput(schema, input)
  } catch (error) {
    expect(error).toBeInstanceOf(KeyguardError)
    return error as KeyguardError
  }
  throw new Error(`accepted ${JSON.stringify(input)}`)
}

describe('parseInput', () => {
  it('returns the parsed input', () => {
    expect(parseInput(schema, { name: 'a', quotas: { daily: 1 } })).toEqual({
      name: 'a',
      quotas: { daily: 1 },
    })
  })

  it('answers 400 VALIDATION_ERROR with the first field, its message and every issue', () => {
    const error = failure({ name: '', quotas: { daily: 1.5 } })
    expect(error.status).toBe(400)
    expect(error.code).toBe('VALIDATION_ERROR')
    expect(error.details).toEqual({
      field: 'name',
      message: 'name is required',
      issues: [
        { field: 'name', message: 'name is required' },
        { field: 'quotas.daily', message: 'must be whole' },
      ],
    })
  })

  it('names unknown fields by their keys, and a wrong body by no field', () => {
    expect(failure({ name: 'a', colour: 1, size: 2 }).details).toMatchObject({
      field: 'colour,size',
    })
    expect(failure({ name: 'a', quotas: { daily: 1, hourly: 2 } }).details).toMatchObject({
      field: 'quotas',
    })
    expect(failure('text').details).toMatchObject({ field: '' })
  })
})
