// Work that must run before a store closes (buffered logs, pending counts), registered by the layers above it.

type Hook = () => Promise<void>

const HOOKS = new WeakMap<object, Set<Hook>>()

/** Runs `hook` when `store.close()` is called; returns a function that unregisters it. */
export function beforeClose(store: object, hook: Hook): () => void {
  let hooks = HOOKS.get(store)
  if (!hooks) {
    hooks = new Set()
    HOOKS.set(store, hooks)
  }
  hooks.add(hook)
  return () => hooks.delete(hook)
}

/** Called by each store's close(): every registered hook, at once. */
export async function runCloseHooks(store: object): Promise<void> {
  await Promise.all([...(HOOKS.get(store) ?? [])].map((hook) => hook()))
}
