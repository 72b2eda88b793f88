// First run: when no usable admin key exists, creates one (scope "admin") so the admin API can be reached.

import type { ApiKey, ApiKeyWithSecret } from '../types'
import { loadKeyRecords } from './key-batch'
import type { KeyManager } from './key-manager'

/** An active, unexpired key that passes `apiKeyGuard({ scopes: ['admin'] })`. */
function isUsableAdmin(key: ApiKey, nowMs: number): boolean {
  return (
    key.status === 'active' &&
    (key.expires_at === null || Date.parse(key.expires_at) > nowMs) &&
    (key.scopes.includes('admin') || key.scopes.includes('*'))
  )
}

/**
 * Returns the new key (its `api_key` shown this once) when it had to create one, else null.
 * Two servers starting at the same moment on an empty store may each create one.
 */
export async function ensureAdminKey(keys: KeyManager): Promise<ApiKeyWithSecret | null> {
  const ids = await keys.store.listKeyIds()
  const nowMs = await keys.store.now()
  for (let i = 0; i < ids.length; i += 1000) {
    const found = await loadKeyRecords(keys.store, ids.slice(i, i + 1000))
    if (found.some((r) => r !== null && isUsableAdmin(r.key, nowMs))) return null
  }
  const { data } = await keys.create({ name: 'admin', type: 'pat', scopes: ['admin'] })
  return data
}
