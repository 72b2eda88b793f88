// `keyguard serve` and `npm start`: the admin API runs, and the first run creates an admin key, shown once.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { testRedisUrl } from '../harness/redis'
import { CLI, useCli } from './run'

interface Running {
  child: ChildProcess
  /** Resolves with stdout once it holds `lines` lines. */
  lines(n: number): Promise<string[]>
  stop(): Promise<number | null>
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return {
    child,
    lines: async (n) => {
      const deadline = Date.now() + 15000
      while (out.split('\n').length <= n) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no output (exit ${child.exitCode}): ${out} ${err}`)
        }
        await new Promise((r) => setTimeout(r, 25))
      }
      return out.split('\n')
    },
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

describe('keyguard serve', () => {
  const c = useCli()
  const env = { ...process.env, REDIS_URL: testRedisUrl() }

  it('serves the admin API; creates an admin key on the first run only', async () => {
    const first = start([CLI, '--prefix', c.prefix, '--json', 'serve', '--port', '0'], env)
    try {
      const info = JSON.parse((await first.lines(1))[0] ?? '')
      expect(info.url).toMatch(/^http:\/\/localhost:\d+\/$/)
      expect(info.admin_key).toMatchObject({ name: 'admin', type: 'pat', scopes: ['admin'] })
      const token: string = info.admin_key.api_key
      const list = await fetch(`${info.url}keys`, { headers: { Authorization: `Bearer ${token}` } })
      expect(list.status).toBe(200)
      expect(((await list.json()) as { count: number }).count).toBe(1)
      expect((await fetch(`${info.url}keys`)).status).toBe(401)
      expect((await fetch(`${info.url}health`)).status).toBe(200)
      // The dashboard is on by default: its page needs no token (it signs in with one).
      expect(info.dashboard).toBe(`${info.url}ui/`)
      const page = await fetch(info.dashboard)
      expect([page.status, page.headers.get('content-type')]).toEqual([
        200,
        'text/html; charset=utf-8',
      ])
      expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; /)
    } finally {
      expect(await first.stop()).toBe(0)
    }

    const second = start(
      [CLI, '--prefix', c.prefix, '--json', 'serve', '--port', '0', '--base-path', '/functions/v1'],
      env,
    )
    try {
      const info = JSON.parse((await second.lines(1))[0] ?? '')
      expect(info.admin_key).toBeNull()
      expect(info.url).toMatch(/\/functions\/v1\/$/)
      expect((await fetch(`${info.url}keys`)).status).toBe(401)
      expect((await fetch(`${info.url}ui/`)).status).toBe(200)
    } finally {
      expect(await second.stop()).toBe(0)
    }
  })

  it("serves Prometheus metrics at /metrics, counting the admin API's own verifications", async () => {
    const fresh = `${c.prefix}metrics:`
    const server = start([CLI, '--prefix', fresh, '--json', 'serve', '--port', '0'], env)
    try {
      const info = JSON.parse((await server.lines(1))[0] ?? '')
      expect(info.metrics).toMatch(/^http:\/\/localhost:\d+\/metrics$/)
      const headers = { Authorization: `Bearer ${info.admin_key.api_key}` }
      expect((await fetch(`${info.url}keys`, { headers })).status).toBe(200)
      expect((await fetch(`${info.url}keys`)).status).toBe(401)
      const text = await (await fetch(info.metrics)).text()
      expect(text).toContain('keyguard_verifications_total{outcome="allowed",code=""} 1\n')
      expect(text).toContain(
        'keyguard_verifications_total{outcome="rejected",code="MISSING_API_KEY"} 1\n',
      )
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const off = start(
      [CLI, '--prefix', fresh, '--json', 'serve', '--port', '0', '--no-metrics'],
      env,
    )
    try {
      const info = JSON.parse((await off.lines(1))[0] ?? '')
      expect(info.metrics).toBeNull()
      expect((await fetch(info.url.replace(/\/$/, '/metrics'))).status).toBe(401)
    } finally {
      expect(await off.stop()).toBe(0)
    }
  })

  it('--no-dashboard serves no dashboard: <base>/ui is then behind the token', async () => {
    const server = start(
      [CLI, '--prefix', `${c.prefix}nodash:`, '--json', 'serve', '--port', '0', '--no-dashboard'],
      env,
    )
    try {
      const info = JSON.parse((await server.lines(1))[0] ?? '')
      expect(info.dashboard).toBeNull()
      expect((await fetch(`${info.url}ui/`)).status).toBe(401)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('--quota-status 429 makes the admin API answer QUOTA_EXCEEDED with 429', async () => {
    const fresh = `${c.prefix}quota:`
    const server = start(
      [CLI, '--prefix', fresh, '--json', 'serve', '--port', '0', '--quota-status', '429'],
      env,
    )
    try {
      const info = JSON.parse((await server.lines(1))[0] ?? '')
      const created = await fetch(`${info.url}keys`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${info.admin_key.api_key}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'metered admin', scopes: ['admin'], quotas: { total: 1 } }),
      })
      const token = ((await created.json()) as { data: { api_key: string } }).data.api_key
      const headers = { Authorization: `Bearer ${token}` }
      expect((await fetch(`${info.url}keys`, { headers })).status).toBe(200)
      const over = await fetch(`${info.url}keys`, { headers })
      expect(over.status).toBe(429)
      expect(((await over.json()) as { code: string }).code).toBe('QUOTA_EXCEEDED')
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const bad = await c.kg('serve', '--port', '0', '--quota-status', '418')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--quota-status.*must be 401 \(as Limitly\) or 429/)
  })

  it('prints the admin key and a curl line in human mode', async () => {
    const fresh = `${c.prefix}human:`
    const server = start([CLI, '--prefix', fresh, 'serve', '--port', '0'], env)
    try {
      const out = (await server.lines(6)).join('\n')
      expect(out).toMatch(
        /^keyguard admin API on http:\/\/localhost:\d+\/ \(Redis redis:\/\/[^)]*, prefix /m,
      )
      expect(out).toMatch(/shown only this once/)
      expect(out).toMatch(
        /curl -H "Authorization: Bearer kg_pat_[0-9A-Za-z]{48}" http:\/\/localhost:\d+\/keys/,
      )
      expect(out).toMatch(/^dashboard: http:\/\/localhost:\d+\/ui\/$/m)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})

describe('npm start (the demo)', () => {
  it('takes --quota-status 429, and refuses any other value with exit 2', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.REDIS_URL
    const demo = start(
      [join(__dirname, '..', '..', 'dist', 'demo.js'), '--quota-status', '429'],
      env,
    )
    try {
      const out = (await demo.lines(9)).join('\n')
      const line = /Bearer (kg_pat_\w+)" (http:\/\/localhost:\d+)\/admin\/keys/.exec(out)
      const [, admin, base] = line ?? []
      const created = await fetch(`${base}/admin/keys`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'spent', quotas: { total: 0 } }),
      })
      const token = ((await created.json()) as { data: { api_key: string } }).data.api_key
      const res = await fetch(`${base}/v1/hello`, { headers: { Authorization: `Bearer ${token}` } })
      expect(res.status).toBe(429)
      expect(((await res.json()) as { code: string }).code).toBe('QUOTA_EXCEEDED')
    } finally {
      expect(await demo.stop()).toBe(0)
    }
    const bad = spawnSync(
      process.execPath,
      [join(__dirname, '..', '..', 'dist', 'demo.js'), '--quota-status', '418'],
      { env, encoding: 'utf8', timeout: 15000 },
    )
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--quota-status must be 401 or 429, not "418"/)
  })

  it('mounts the admin API at /admin and prints a fresh admin key', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.REDIS_URL // the embedded MemoryStore: nothing written to a shared Redis
    const demo = start([join(__dirname, '..', '..', 'dist', 'demo.js')], env)
    try {
      const out = (await demo.lines(9)).join('\n')
      const line =
        /curl -H "Authorization: Bearer (kg_pat_\w+)" (http:\/\/localhost:\d+\/admin\/keys)/.exec(
          out,
        )
      expect(line).not.toBeNull()
      const res = await fetch(line?.[2] ?? '', {
        headers: { Authorization: `Bearer ${line?.[1]}` },
      })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { data: Array<{ name: string }> }
      expect(body.data.map((k) => k.name).sort()).toEqual(['Demo key', 'admin'])
      const dashboard = /^dashboard .*(http:\/\/localhost:\d+\/admin\/ui\/)$/m.exec(
        (await demo.lines(10)).join('\n'),
      )
      const page = await fetch(dashboard?.[1] ?? '')
      expect([page.status, page.headers.get('content-type')]).toEqual([
        200,
        'text/html; charset=utf-8',
      ])
    } finally {
      expect(await demo.stop()).toBe(0)
    }
  })
})
