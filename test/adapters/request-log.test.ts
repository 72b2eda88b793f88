// Every framework's guard logs each request of a known key once its response is done, allowed and refused alike.

import { flushRequestLogs } from '../../src'
import { FRAMEWORKS, type RunningServer, startServer } from '../harness/framework-servers'
import { STORE_KINDS, useStoreOf } from '../harness/stores'

describe.each(STORE_KINDS)('request log on every framework (%s store)', (kind) => {
  const opened = useStoreOf(kind)

  it.each(FRAMEWORKS)('%s: one entry per request, with its status and code', async (framework) => {
    const server: RunningServer = await startServer(framework, { store: opened.store })
    try {
      const { data } = await opened.keys.create({ name: `log-${framework}`, quotas: { total: 1 } })
      const headers = { Authorization: `Bearer ${data.api_key}` }
      expect((await fetch(`${server.url}/r?x=1`, { headers })).status).toBe(200)
      expect((await fetch(`${server.url}/r`, { headers })).status).toBe(401)
    } finally {
      await server.close()
    }
    await flushRequestLogs(opened.store)
    const id = (await opened.keys.list({ limit: 100 })).data.find(
      (k) => k.name === `log-${framework}`,
    )?.id as string
    const page = await opened.store.requests(id, { page: 1, limit: 10 })
    const entries = page.requests
      .map((r) => ({
        method: r.method,
        endpoint: r.endpoint,
        status: r.status,
        status_code: r.status_code,
        reason: r.reason ?? null,
        credits: r.credits,
        ip: typeof r.ip_address === 'string' && r.ip_address.includes('127.0.0.1'),
      }))
      .sort((a, b) => a.status_code - b.status_code)
    expect(entries).toEqual([
      {
        method: 'GET',
        endpoint: '/r',
        status: 'allowed',
        status_code: 200,
        reason: null,
        credits: 1,
        ip: true,
      },
      {
        method: 'GET',
        endpoint: '/r',
        status: 'rejected',
        status_code: 401,
        reason: 'QUOTA_EXCEEDED',
        credits: 0,
        ip: true,
      },
    ])
  })
})
