// The RateLimit-Policy / RateLimit headers and the legacy X-RateLimit-* set, written on a real http response.

import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { PolicyCache, setRateLimitHeaders, tightest } from '../../src/guard/rate-limit-headers'
import type { WindowState } from '../../src/store'

const NOW = Date.parse('2026-03-04T10:30:00.250Z')

const headersOf = (
  windows: WindowState[],
  failed: WindowState['name'] | null,
  legacy: boolean,
  policy: string | null = null,
) => {
  const res = new ServerResponse(new IncomingMessage(new Socket()))
  setRateLimitHeaders(res, { windows, failed, nowMs: NOW, recordVersion: '' }, legacy, policy)
  return res.getHeaders()
}

const ALL: WindowState[] = [
  { name: 'second', limit: 10, remaining: 3, resetMs: 1500 },
  { name: 'minute', limit: 100, remaining: 50, resetMs: 30_000 },
  { name: 'total', limit: 1000, remaining: 999, resetMs: 0 },
  { name: 'daily', limit: 500, remaining: 400, resetMs: 3_600_001 },
  { name: 'weekly', limit: 2000, remaining: 1999, resetMs: 86_400_000 },
  { name: 'monthly', limit: 9000, remaining: 8000, resetMs: 1 },
]

describe('RateLimit headers', () => {
  it('lists every window: its quota and window length, then what remains and its reset (s, rounded up)', () => {
    expect(headersOf(ALL, null, false)).toEqual({
      'ratelimit-policy':
        '"burst";q=10;w=1, "minute";q=100;w=60, "total";q=1000, "daily";q=500;w=86400, "weekly";q=2000;w=604800, "monthly";q=9000;w=2592000',
      ratelimit:
        '"burst";r=3;t=2, "minute";r=50;t=30, "total";r=999, "daily";r=400;t=3601, "weekly";r=1999;t=86400, "monthly";r=8000;t=1',
    })
  })

  it('writes one window without separators, and nothing at all without a window', () => {
    expect(headersOf([ALL[1]!], null, false)).toEqual({
      'ratelimit-policy': '"minute";q=100;w=60',
      ratelimit: '"minute";r=50;t=30',
    })
    expect(headersOf([], null, true)).toEqual({})
  })

  it('adds the legacy headers for the tightest window, reset as epoch seconds of the store clock', () => {
    // burst has 30% left, the tightest share.
    expect(headersOf(ALL, null, true)).toMatchObject({
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '3',
      'x-ratelimit-reset': String(Math.ceil((NOW + 1500) / 1000)),
    })
    expect(headersOf(ALL, null, true)['x-ratelimit-reset']).toBe('1772620202')
  })

  it('describes the failed window in the legacy headers, whatever its share', () => {
    expect(headersOf(ALL, 'daily', true)).toMatchObject({
      'x-ratelimit-limit': '500',
      'x-ratelimit-remaining': '400',
      'x-ratelimit-reset': '1772623801',
    })
  })

  it('sends no legacy reset for the total quota, which never resets', () => {
    const headers = headersOf(ALL, 'total', true)
    expect(headers['x-ratelimit-limit']).toBe('1000')
    expect(headers['x-ratelimit-remaining']).toBe('999')
    expect(headers).not.toHaveProperty('x-ratelimit-reset')
  })

  it('sends a RateLimit-Policy built beforehand as it is', () => {
    expect(headersOf([ALL[1]!], null, false, '"cached";q=1')).toEqual({
      'ratelimit-policy': '"cached";q=1',
      ratelimit: '"minute";r=50;t=30',
    })
  })

  it('sends no legacy header when the failed window is not among them', () => {
    const headers = headersOf([ALL[0]!], 'daily', true)
    expect(Object.keys(headers).sort()).toEqual(['ratelimit', 'ratelimit-policy'])
  })
})

describe('tightest', () => {
  it('picks the lowest share remaining, the first of equal shares', () => {
    const a: WindowState = { name: 'minute', limit: 100, remaining: 20, resetMs: 0 }
    const b: WindowState = { name: 'daily', limit: 10, remaining: 2, resetMs: 0 }
    const c: WindowState = { name: 'monthly', limit: 10, remaining: 1, resetMs: 0 }
    expect(tightest([a, b], null)).toBe(a)
    expect(tightest([b, a], null)).toBe(b)
    expect(tightest([a, b, c], null)).toBe(c)
    expect(tightest([c, a], null)).toBe(c)
    expect(tightest([], null)).toBeUndefined()
  })

  it('picks the failed window by name', () => {
    expect(tightest(ALL, 'weekly')).toBe(ALL[4])
    expect(tightest([], 'weekly')).toBeUndefined()
  })
})

describe('PolicyCache', () => {
  const minute = (limit: number): WindowState[] => [
    { name: 'minute', limit, remaining: 0, resetMs: 0 },
  ]

  it('builds the policy of a verdict', () => {
    const cache = new PolicyCache()
    expect(cache.get('k1', { windows: ALL.slice(0, 3), recordVersion: '1' })).toBe(
      '"burst";q=10;w=1, "minute";q=100;w=60, "total";q=1000',
    )
    expect(cache.get('k1', { windows: [], recordVersion: '' })).toBe('')
  })

  it('keeps the policy of a key while its record version stays, rebuilds it when it moves', () => {
    const cache = new PolicyCache()
    expect(cache.get('k1', { windows: minute(5), recordVersion: '1' })).toBe('"minute";q=5;w=60')
    expect(cache.get('k1', { windows: minute(6), recordVersion: '1' })).toBe('"minute";q=5;w=60')
    expect(cache.get('k2', { windows: minute(7), recordVersion: '1' })).toBe('"minute";q=7;w=60')
    expect(cache.get('k1', { windows: minute(8), recordVersion: '2' })).toBe('"minute";q=8;w=60')
    expect(cache.get('k1', { windows: minute(9), recordVersion: '2' })).toBe('"minute";q=8;w=60')
  })

  it('never caches a verdict without a record version', () => {
    const cache = new PolicyCache()
    expect(cache.get('k1', { windows: minute(5), recordVersion: '' })).toBe('"minute";q=5;w=60')
    expect(cache.get('k1', { windows: minute(6), recordVersion: '' })).toBe('"minute";q=6;w=60')
    expect(cache.get('k1', { windows: minute(7), recordVersion: '1' })).toBe('"minute";q=7;w=60')
  })

  it('starts over once it holds 10,000 keys, so it stays bounded', () => {
    const cache = new PolicyCache()
    for (let i = 0; i < 10_000; i++) cache.get(`k${i}`, { windows: minute(1), recordVersion: '1' })
    expect(cache.get('k0', { windows: minute(2), recordVersion: '1' })).toBe('"minute";q=1;w=60')
    cache.get('k10000', { windows: minute(3), recordVersion: '1' })
    expect(cache.get('k0', { windows: minute(4), recordVersion: '1' })).toBe('"minute";q=4;w=60')
    expect(cache.get('k10000', { windows: minute(5), recordVersion: '1' })).toBe(
      '"minute";q=3;w=60',
    )
  })

  it('updates a key it holds in place, even when full', () => {
    const cache = new PolicyCache()
    for (let i = 0; i < 10_000; i++) cache.get(`k${i}`, { windows: minute(1), recordVersion: '1' })
    expect(cache.get('k0', { windows: minute(2), recordVersion: '2' })).toBe('"minute";q=2;w=60')
    expect(cache.get('k1', { windows: minute(3), recordVersion: '1' })).toBe('"minute";q=1;w=60')
  })
})
