// The unit failed attempts are counted by: an IPv4 address, or an IPv6 /64 (one subscriber's block).

import { isIPv4, isIPv6 } from 'node:net'

function expandIPv6(ip: string): string[] | null {
  let text = ip.split('%')[0] ?? ''
  const tail: string[] = []
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number]
    tail.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16))
    text = text.slice(0, -dotted[1].length)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const [head = '', rest] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const missing = 8 - tail.length - left.length - right.length
  if (rest === undefined && missing !== 0) return null
  return [...left, ...Array(Math.max(missing, 0)).fill('0'), ...right, ...tail]
}

export function ipGroup(ip: string | undefined): string {
  if (!ip) return 'unknown'
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7)
  if (isIPv4(ip)) return ip
  if (!isIPv6(ip.split('%')[0] ?? '')) return 'unknown'
  const groups = expandIPv6(ip)
  if (!groups) return 'unknown'
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}

/**
 * The group an admin names to unblock: an IPv4 address, an IPv6 address (its /64), an IPv6 /64
 * like `2001:db8:1:2::/64`, or `unknown` (requests without a client IP). Null for anything else.
 */
export function parseIpGroup(text: string): string | null {
  if (text === 'unknown') return text
  if (text.length > 100) return null
  const address = text.endsWith('/64') ? text.slice(0, -3) : text
  if (address !== text && !isIPv6(address)) return null
  const group = ipGroup(address)
  return group === 'unknown' ? null : group
}
