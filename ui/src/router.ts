// Routing by the URL's fragment (#/keys/…): the page works wherever it is served, with no server routes.

import { useEffect, useState } from 'preact/hooks'

/** The route's path segments, decoded: `#/keys/abc` → ['keys', 'abc']. */
export function parseHash(hash: string): string[] {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = (): void => setRoute(parseHash(location.hash))
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}

/** A link target for a route: `href('keys', id)` → `#/keys/<id>`. */
export const href = (...segments: Array<string | number>): string =>
  `#/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`

export function navigate(...segments: Array<string | number>): void {
  location.hash = href(...segments)
}
