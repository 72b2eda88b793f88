// Bounds a store call: a hung Redis must never hang a request (one shared deadline sweep, no timer per call).

import { StoreUnavailableError } from '../errors'
import { deadline } from './deadline-sweep'

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const bound = deadline(ms, () =>
      reject(new StoreUnavailableError(`${what} did not answer within ${ms} ms`)),
    )
    promise.then(
      (value) => {
        bound.clear()
        resolve(value)
      },
      (error: unknown) => {
        bound.clear()
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
