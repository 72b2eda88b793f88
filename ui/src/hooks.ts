// Data loading for pages: one request's result, its error, and a way to load it again.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api'

export interface Resource<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError(0, '', error instanceof Error ? error.message : String(error))
}

/** Runs `load` now and whenever `deps` change; a stale answer never overwrites a newer one. */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({
    loading: true,
  })
  const [tick, setTick] = useState(0)
  const generation = useRef(0)
  useEffect(() => {
    const mine = ++generation.current
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => {
        if (generation.current === mine) setState({ data, loading: false })
      },
      (error: unknown) => {
        if (generation.current === mine) setState({ error: asApiError(error), loading: false })
      },
    )
  }, [...deps, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

/** Runs an action (a write), with its busy flag and error, for buttons and forms. */
export function useAction(): {
  busy: boolean
  error: ApiError | undefined
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>
  clear: () => void
} {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError>()
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true)
    setError(undefined)
    try {
      return await action()
    } catch (e) {
      setError(asApiError(e))
      return undefined
    } finally {
      setBusy(false)
    }
  }, [])
  const clear = useCallback(() => setError(undefined), [])
  return { busy, error, run, clear }
}
