// Starts app processes (app-server.js beside this file, on the built package) that share one Redis.

import { type ChildProcess, fork } from 'node:child_process'
import { join } from 'node:path'

export interface AppProcesses {
  urls: string[]
  stop(): Promise<void>
}

function startOne(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'app-server.js'), [], { env, stdio: 'ignore' })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('app process did not start in 15 s')), 15000)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`app process exited with code ${code}`)))
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer)
      resolve({ child, url: `http://127.0.0.1:${message.port}` })
    })
  })
}

export async function startAppProcesses(
  count: number,
  env: { redisUrl: string; prefix: string; clockMs?: number; admin?: boolean },
): Promise<AppProcesses> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: env.redisUrl,
    KEYGUARD_PREFIX: env.prefix,
    ...(env.clockMs === undefined ? {} : { KEYGUARD_CLOCK_MS: String(env.clockMs) }),
    ...(env.admin ? { KEYGUARD_ADMIN: '1' } : {}),
  }
  const started = await Promise.all(Array.from({ length: count }, () => startOne(childEnv)))
  return {
    urls: started.map((s) => s.url),
    stop: async () => {
      await Promise.all(
        started.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve()
              const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
              child.once('exit', () => {
                clearTimeout(kill)
                resolve()
              })
              child.send('stop')
            }),
        ),
      )
    },
  }
}

/** Fires `total` requests at once, spread round-robin over the processes. */
export async function fireAtOnce(
  urls: string[],
  token: string,
  total: number,
): Promise<Array<{ status: number; code?: string; pid?: number }>> {
  return Promise.all(
    Array.from({ length: total }, async (_, i) => {
      const res = await fetch(`${urls[i % urls.length]}/r`, {
        headers: { authorization: `Bearer ${token}` },
      })
      const body = (await res.json()) as { code?: string }
      return { status: res.status, code: body.code, pid: Number(res.headers.get('x-served-by')) }
    }),
  )
}
