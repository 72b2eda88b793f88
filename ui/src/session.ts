// The admin token of this browser tab: sessionStorage only (never the URL, never localStorage).

const KEY = 'keyguard.admin-token'

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY)
  } catch {
    // Storage can be disabled (privacy settings): then the token lives only in memory.
    return memoryToken
  }
}

let memoryToken: string | null = null

export function storeToken(token: string | null): void {
  memoryToken = token
  try {
    if (token === null) sessionStorage.removeItem(KEY)
    else sessionStorage.setItem(KEY, token)
  } catch {
    // See storedToken: memory only.
  }
}
