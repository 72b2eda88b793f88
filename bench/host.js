// The machine a run is on: its description, and the CPU other processes take during a round.

const { execFileSync } = require('node:child_process')
const { readFileSync } = require('node:fs')
const os = require('node:os')
const { sleep } = require('./children')
const { MAX_OTHER } = require('./options')

function machine(redisVersion) {
  let cores = os.availableParallelism?.() ?? os.cpus().length
  try {
    // nproc follows the CPU affinity and cgroup limits a container may set.
    cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cores
  } catch {}
  return {
    cores,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redisVersion,
  }
}

/** CPU time every process on the machine has used so far, in µs (Linux /proc/stat), or null. */
function machineBusyMicros() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number)
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1e6) / 100
  } catch {
    return null
  }
}

/**
 * Before a measured round, while everything of ours is idle: if other processes keep more than
 * MAX_OTHER cores busy, wait for them (bounded per round and per run). Returns the cores seen.
 */
async function quietGate(ctx) {
  const sample = async () => {
    const before = machineBusyMicros()
    await sleep(200)
    const after = machineBusyMicros()
    return before === null || after === null ? 0 : (after - before) / 200000
  }
  let busy = await sample()
  const deadline = Date.now() + Math.min(ctx.opts.mode.quietWaitS * 1000, ctx.quietBudgetMs)
  while (busy > MAX_OTHER && Date.now() < deadline) {
    await sleep(300)
    busy = await sample()
  }
  return busy
}

module.exports = { machine, machineBusyMicros, quietGate }
