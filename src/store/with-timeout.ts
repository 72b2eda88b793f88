// Bounds a store call: a hung Redis must never hang a request.

import { StoreUnavailableError } from '../errors'

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StoreUnavailableError(`${what} did not answer within ${ms} ms`)),
      ms,
    )
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(unavailable(error, what))
      },
    )
  })
}

/** A store call's failure, as the StoreUnavailableError the guard answers 503 for. */
export function unavailable(error: unknown, what: string): StoreUnavailableError {
  return error instanceof StoreUnavailableError
    ? error
    : new StoreUnavailableError(`${what} failed: ${(error as Error)?.message ?? error}`, {
        cause: error,
      })
}
