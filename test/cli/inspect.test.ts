// `keyguard inspect <key_id>`: every Redis key behind an API key, with type, TTL and each field.

import express from 'express'
import request from 'supertest'
import { apiKeyGuard, flushRequestLogs } from '../../src'
import { useCli } from './run'

interface Inspected {
  key: string
  type: string
  ttl_ms: number
  entries: Array<{ field: string; value: string; meaning: string }>
}

describe('keyguard inspect', () => {
  const c = useCli()

  it('shows the hot hash, record, ring, log stream and indexes with their TTLs', async () => {
    await c.json('plans', 'create', '--id', 'seen', '--name', 'Seen', '--daily', '100')
    const { data } = await c.json(
      'keys',
      'create',
      '--name',
      'Inspected',
      '--plan-id',
      'seen',
      '--per-second',
      '5',
    )
    const api = express().get('/r', apiKeyGuard({ store: c.store }), (_q, r) => {
      r.json({})
    })
    for (let i = 0; i < 3; i++) await request(api).get('/r').set('X-API-Key', data.api_key)
    await flushRequestLogs(c.store)

    const out = await c.json('inspect', data.id)
    const keys = out.data.keys as Inspected[]
    const byRole = (suffix: string) => keys.find((k) => k.key.endsWith(suffix))
    const tag = data.id.slice(0, 12)
    const hot = byRole(`{${tag}}:k:${data.id}`)
    expect(hot).toMatchObject({ type: 'hash', ttl_ms: -1 })
    const fields = Object.fromEntries((hot?.entries ?? []).map((e) => [e.field, e.value]))
    expect(fields).toMatchObject({ s: '1', ps: '5', qd: '100', tt: '3', ds: '3' })
    expect(Number(fields.lu)).toBeGreaterThan(0)
    expect(hot?.entries.find((e) => e.field === 'qd')?.meaning).toBe('effective quota: daily')
    expect(byRole(`{${tag}}:m:${data.id}`)).toMatchObject({ type: 'string', ttl_ms: -1 })
    const log = byRole(`{${tag}}:l:${data.id}`)
    expect(log?.type).toBe('stream')
    expect(log?.ttl_ms).toBeGreaterThan(0)
    expect(log?.entries[0]).toMatchObject({ field: 'length', value: '3' })
    expect(byRole(`${c.prefix}keys`)?.entries[0]).toMatchObject({ field: 'member', value: 'yes' })
    expect(byRole(`${c.prefix}plan-keys:seen`)?.entries[0]).toMatchObject({
      field: 'member',
      value: 'yes',
    })

    const human = await c.kg('inspect', '--key-id', data.id)
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(`${c.prefix}{${tag}}:k:${data.id}  hash  no TTL`)
    expect(human.stdout).toMatch(/^\s+tt\s+3\s+credits used in all/m)
    expect(human.stdout).toMatch(new RegExp(`:l:${data.id}  stream  TTL \\d`))
    expect(human.stdout).not.toContain(data.api_key)
  })
})
