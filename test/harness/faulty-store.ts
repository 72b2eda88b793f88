// Stores that fail on purpose: the real store, with a verify that rejects, throws or hangs.

import type { Store } from '../../src'

export type Mode = 'ok' | 'reject' | 'throw' | 'hang'

export interface Faulty {
  store: Store
  /** What verify does next: pass through ('ok'), reject with the message, throw, or never answer. */
  mode: Mode
}

/** The real store, with a verify that can be switched to fail. */
export function faulty(store: Store, message = 'connect ECONNREFUSED'): Faulty {
  const state: Faulty = { mode: 'ok', store }
  state.store = new Proxy(store, {
    get(target, prop) {
      if (prop === 'verify') {
        return (request: Parameters<Store['verify']>[0]) => {
          if (state.mode === 'reject') return Promise.reject(new Error(message))
          if (state.mode === 'throw') throw new Error('client is closed')
          if (state.mode === 'hang') return new Promise(() => {})
          return target.verify(request)
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return state
}

/** The real store, with a verify that always rejects (as when Redis does not answer in time). */
export function failingVerify(store: Store, message?: string): Store {
  const failing = faulty(store, message)
  failing.mode = 'reject'
  return failing.store
}
