// apiKeyGuard mounted as plain (req, res, next) middleware on node:http, without Express: it answers, never crashes.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { NextFunction, Request, Response } from 'express'
import { apiKeyGuard } from '../../src'
import { useStoreOf } from '../harness/stores'

describe('apiKeyGuard without Express', () => {
  const opened = useStoreOf('memory')

  it('refuses with status, JSON body and headers, and lets a valid key through', async () => {
    const guard = apiKeyGuard({ store: opened.store })
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const next: NextFunction = (error?: unknown) => {
        res.statusCode = error ? 500 : 200
        res.end(JSON.stringify({ name: (req as Request).apiKey?.name ?? null }))
      }
      void guard(req as Request, res as unknown as Response, next)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    try {
      const missing = await fetch(url)
      expect(missing.status).toBe(401)
      expect(missing.headers.get('www-authenticate')).toBe('Bearer')
      expect(await missing.json()).toEqual({ error: 'Missing API Key', code: 'MISSING_API_KEY' })
      const { data } = await opened.keys.create({ name: 'Plain', quotas: { total: 1 } })
      const headers = { 'X-API-Key': data.api_key }
      const ok = await fetch(url, { headers })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ name: 'Plain' })
      const over = await fetch(url, { headers })
      expect(over.status).toBe(401)
      expect(await over.json()).toEqual({
        error: 'Rate limit exceeded: quota total',
        code: 'QUOTA_EXCEEDED',
      })
    } finally {
      server.close()
    }
  })
})
