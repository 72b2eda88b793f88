// Starts app processes on a Redis Cluster (cluster-app-server.js beside this file, on the built package).

import { type ChildProcess, fork } from 'node:child_process'
import { join } from 'node:path'

export interface ClusterApps {
  urls: string[]
  /** Unhandled rejections the processes saw so far, and the longest a request took in one since the last look (ms). */
  health(): Promise<{ unhandled: number; slowestMs: number; loopDelayMs: number }>
  stop(): Promise<void>
}

function startOne(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'cluster-app-server.js'), [], { env, stdio: 'ignore' })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('app process did not start in 20 s')), 20000)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`app process exited with code ${code}`)))
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer)
      resolve({ child, url: `http://127.0.0.1:${message.port}` })
    })
  })
}

export async function startClusterApps(
  count: number,
  env: {
    seeds: Array<{ host: string; port: number }>
    prefix: string
    timeoutMs?: number
    admin?: boolean
  },
): Promise<ClusterApps> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KEYGUARD_CLUSTER_NODES: env.seeds.map((s) => `${s.host}:${s.port}`).join(','),
    KEYGUARD_PREFIX: env.prefix,
    KEYGUARD_TIMEOUT_MS: String(env.timeoutMs ?? 500),
    ...(env.admin ? { KEYGUARD_ADMIN: '1' } : {}),
  }
  const started = await Promise.all(Array.from({ length: count }, () => startOne(childEnv)))
  return {
    urls: started.map((s) => s.url),
    health: async () => {
      let unhandled = 0
      let slowestMs = 0
      let loopDelayMs = 0
      for (const { url } of started) {
        const body = (await (await fetch(`${url}/health`)).json()) as {
          unhandled: number
          slowestMs: number
          loopDelayMs: number
        }
        unhandled += body.unhandled
        slowestMs = Math.max(slowestMs, body.slowestMs)
        loopDelayMs = Math.max(loopDelayMs, body.loopDelayMs)
      }
      return { unhandled, slowestMs, loopDelayMs }
    },
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
