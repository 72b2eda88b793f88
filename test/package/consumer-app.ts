// Starts a consumer app (a fixture copied into a temporary project, or its bundle) as a child
// process, reads the one JSON line it prints once it listens, and asks its guarded route.

import { type ChildProcess, spawn } from 'node:child_process'

export interface AppReport {
  port: number
  /** A key good for two requests (a total quota of 2). */
  token: string
  /** Where the app resolved `keyguard` from; null when keyguard is bundled into it. */
  keyguard: string | null
  express?: string
  ioredis?: string
}

export interface ConsumerApp {
  report: AppReport
  stop(): Promise<void>
}

export function startConsumerApp(
  file: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ConsumerApp> {
  const child = spawn(process.execPath, [file], { cwd: options.cwd, env: options.env })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} did not start in 20 s:\n${stderr}`))
    }, 20000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${file} exited with code ${code}:\n${stderr}`))
    })
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const end = stdout.indexOf('\n')
      if (end < 0) return
      clearTimeout(timer)
      resolve({ report: JSON.parse(stdout.slice(0, end)) as AppReport, stop: () => stop(child) })
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

/** No key, then the key three times: 401, 200, 200, then 429 (a quota of 2, `quotaExceededStatus: 429`). */
export async function guardedStatuses(report: AppReport): Promise<number[]> {
  const url = `http://127.0.0.1:${report.port}/r`
  const statuses = [(await fetch(url)).status]
  for (let i = 0; i < 3; i++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${report.token}` } })
    statuses.push(res.status)
  }
  return statuses
}
