// Load generator: autocannon in its own process, forked by bench/run.js; one round per IPC message.

const autocannon = require('autocannon')

/**
 * Request lists by name, sent by run.js. A list is tokens (sent as `Authorization: Bearer`), or
 * `{ tokens, ips }`: then request k also carries `X-Forwarded-For: ips[k]` (a client address).
 */
const sets = new Map()

function headersOf(list, k) {
  if (Array.isArray(list)) return { authorization: `Bearer ${list[k]}` }
  return {
    authorization: `Bearer ${list.tokens[k % list.tokens.length]}`,
    'x-forwarded-for': list.ips[k % list.ips.length],
  }
}

const sizeOf = (list) =>
  Array.isArray(list) ? list.length : Math.max(list.tokens.length, list.ips.length)

function percentile(sorted, p) {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

/**
 * One round: `connections` keep-alive connections for `duration` seconds. With several requests
 * in the list, connection j sends requests j, j + connections, j + 2 * connections, … in turn,
 * so every one is used and each is pre-built (the load generator does no per-request work).
 */
function round({ url, set, duration, connections }) {
  const list = sets.get(set)
  const size = list ? sizeOf(list) : 0
  if (size === 0) return Promise.reject(new Error(`no tokens for "${set}"`))
  return new Promise((resolve, reject) => {
    const latencies = []
    const status = {}
    let clients = 0
    let started = process.hrtime.bigint()
    const cpu = process.cpuUsage()
    const instance = autocannon(
      {
        url,
        connections,
        duration,
        // autocannon checks for the end of a round once per sample: keep rounds tight.
        sampleInt: 50,
        timeout: 10,
        headers: headersOf(list, 0),
        setupClient: (client) => {
          const j = clients++
          if (size === 1) return
          const mine = []
          for (let k = j % size; k < size; k += connections)
            mine.push({ headers: headersOf(list, k) })
          client.setRequests(mine)
        },
      },
      (error, result) => {
        if (error) return reject(error)
        const seconds = Number(process.hrtime.bigint() - started) / 1e9
        const sorted = Float64Array.from(latencies).sort()
        const used = process.cpuUsage(cpu)
        resolve({
          requests: latencies.length,
          seconds,
          rps: latencies.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
          status,
          errors: result.errors,
          timeouts: result.timeouts,
          loadCpuMicros: used.user + used.system,
        })
      },
    )
    instance.once('start', () => {
      started = process.hrtime.bigint()
    })
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime)
      status[statusCode] = (status[statusCode] ?? 0) + 1
    })
  })
}

process.on('disconnect', () => process.exit(0))
process.on('message', (msg) => {
  if (msg.type === 'tokens') {
    for (const [name, list] of Object.entries(msg.sets)) sets.set(name, list)
    process.send({ type: 'tokens', id: msg.id })
  } else if (msg.type === 'round') {
    round(msg).then(
      (result) => process.send({ type: 'round', id: msg.id, result }),
      (error) => process.send({ type: 'round', id: msg.id, error: String(error?.stack ?? error) }),
    )
  } else if (msg.type === 'exit') {
    process.exit(0)
  }
})
process.send({ type: 'ready' })
