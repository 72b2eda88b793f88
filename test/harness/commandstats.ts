// INFO commandstats and MONITOR of a PRIVATE redis-server (the tests reset its statistics).

import type { Redis } from 'ioredis'

/** Resets the server's command statistics. Only ever call this on a private server. */
export async function resetStats(admin: Redis): Promise<void> {
  await admin.config('RESETSTAT')
}

/** Calls per command since the last reset, not counting the reset itself. */
export async function callsSinceReset(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats')
  const calls: Record<string, number> = {}
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (match?.[1] && match[1] !== 'config|resetstat') calls[match[1]] = Number(match[2])
  }
  return calls
}

export const totalCalls = (calls: Record<string, number>): number =>
  Object.values(calls).reduce((a, b) => a + b, 0)

export interface Watched {
  /** Top-level commands (not those a script runs, nor the watcher's own) seen, in order. */
  commands: Array<{ name: string; source: string }>
  /** Waits until every command sent before this call has been seen, then stops watching. */
  stop(): Promise<void>
}

/** Watches a private server with MONITOR, telling apart client commands from a script's own. */
export async function watchCommands(admin: Redis): Promise<Watched> {
  const monitor = await admin.monitor()
  const own = new Set([admin, monitor].map((c) => `127.0.0.1:${c.stream.localPort}`))
  const commands: Watched['commands'] = []
  const marker = `end-${Math.random().toString(36).slice(2)}`
  let seen: () => void = () => {}
  const ended = new Promise<void>((resolve) => {
    seen = resolve
  })
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) return seen()
    if (source !== 'lua' && !own.has(source)) {
      commands.push({ name: (args[0] ?? '').toLowerCase(), source })
    }
  })
  return {
    commands,
    stop: async () => {
      await admin.echo(marker)
      await ended
      monitor.disconnect()
    },
  }
}
