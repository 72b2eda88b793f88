// A token's secret part, and the check that text holds no token nor any piece of its secret.

/** The 22 secret characters of a token (between the key id and the checksum). */
export const secretOf = (token: string): string => token.slice(-28, -6)

/** Where `text` holds a token of `tokens` or any 8-character piece of its secret. */
export function leaks(where: string, text: string, tokens: ReadonlyMap<string, string>): string[] {
  const found: string[] = []
  for (const [label, token] of tokens) {
    if (text.includes(token)) found.push(`${where}: the whole ${label}`)
    const secret = secretOf(token)
    for (let i = 0; i + 8 <= secret.length; i++) {
      if (text.includes(secret.slice(i, i + 8))) {
        found.push(`${where}: characters ${i}..${i + 7} of the secret of ${label}`)
        break
      }
    }
  }
  return found
}
