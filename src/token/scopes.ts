// Scope matching, as the verification script does it: exact, `*`, or a `prefix:*` wildcard.

export function grantsScope(held: readonly string[], need: string): boolean {
  if (held.includes('*') || held.includes(need)) return true
  for (let colon = need.indexOf(':'); colon >= 0; colon = need.indexOf(':', colon + 1)) {
    if (held.includes(`${need.slice(0, colon + 1)}*`)) return true
  }
  return false
}
