// Bounds a store call: a hung Redis must never hang a request.

import { StoreUnavailableError } from './errors'

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(`${what} did not answer within ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([promise, timeout]).then(
    (value) => {
      clearTimeout(timer)
      return value
    },
    (error: unknown) => {
      clearTimeout(timer)
      throw error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError(`${what} failed: ${(error as Error)?.message ?? error}`, {
            cause: error,
          })
    },
  )
}
