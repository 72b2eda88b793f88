// One guarded route, GET /r answering { ok, apiKey }, on each framework keyguard serves: real servers on free loopback ports.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { type ApiKeyContext, type GuardOptions, nodeGuard } from '../../src'
import { keyguardFastify } from '../../src/adapters/fastify'
import { type KeyguardVariables, keyguardHono } from '../../src/adapters/hono'
import { apiKeyGuard } from '../../src/guard'

export const FRAMEWORKS = ['express', 'node:http', 'fastify', 'hono'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export interface RunningServer {
  readonly url: string
  close(): Promise<void>
}

const listening = (server: Server): Promise<string> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    })
  })

const closing = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

const answer = (apiKey: ApiKeyContext | null | undefined) => ({ ok: true, apiKey: apiKey ?? null })

/** Starts `GET /r` behind the framework's guard with `options`. */
export async function startServer(
  framework: Framework,
  options: GuardOptions<never>,
): Promise<RunningServer> {
  const guardOptions = options as GuardOptions<unknown>
  if (framework === 'express') {
    const app = express().get('/r', apiKeyGuard(guardOptions), (req, res) => {
      res.json(answer(req.apiKey))
    })
    const server = createServer(app)
    return { url: await listening(server), close: () => closing(server) }
  }
  if (framework === 'node:http') {
    const guard = nodeGuard(guardOptions)
    const server = createServer(async (req, res) => {
      if (!(await guard(req, res))) return
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify(answer(req.apiKey)))
    })
    return { url: await listening(server), close: () => closing(server) }
  }
  if (framework === 'fastify') {
    const app = Fastify()
    await app.register(keyguardFastify, guardOptions)
    app.get('/r', async (request) => answer(request.apiKey))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  }
  const app = new Hono<{ Variables: KeyguardVariables }>()
  app.use('/r', keyguardHono(guardOptions))
  app.get('/r', (c) => c.json(answer(c.get('apiKey'))))
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
  await new Promise<void>((resolve) => {
    if (server.listening) resolve()
    else server.once('listening', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => closing(server) }
}
