// One variant's HTTP server per process (`node bench/server.js <id>`), forked by bench/servers.js.

const { createHash } = require('node:crypto')
const { Redis } = require('ioredis')

// Count every command this process sends to Redis (pipelined or not), and each script by SHA1.
let redisSent = 0
let scripts = new Map()
const sendCommand = Redis.prototype.sendCommand
Redis.prototype.sendCommand = function countedSendCommand(command, ...rest) {
  redisSent++
  const name = String(command?.name ?? '').toLowerCase()
  if (name === 'evalsha' || name === 'eval') {
    const first = command.args?.[0]
    const sha =
      name === 'eval' ? createHash('sha1').update(String(first)).digest('hex') : String(first)
    scripts.set(sha, (scripts.get(sha) ?? 0) + 1)
  }
  return sendCommand.call(this, command, ...rest)
}

const express = require('express')
const { mount } = require('./peers')

const variant = process.argv[2]

const ok = (_req, res) => {
  res.json({ ok: true })
}

async function main() {
  if (typeof process.send !== 'function') throw new Error('bench/server.js is forked by run.js')
  // If run.js dies, so does this server.
  process.on('disconnect', () => process.exit(0))

  const app = express()
  // Client addresses come from X-Forwarded-For (the malformed flood uses many): same for all.
  app.set('trust proxy', 'loopback')
  let requests = 0
  let lifetime = 0
  app.use((_req, _res, next) => {
    requests++
    lifetime++
    next()
  })
  const built = await mount(app, variant, {
    redisUrl: process.env.BENCH_REDIS_URL,
    rejectToken: process.env.BENCH_REJECT_TOKEN ?? '',
    manyCount: Number(process.env.BENCH_KEYS ?? 10000),
    altRoot: process.env.BENCH_ALT,
  })
  app.get('/', ok)

  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  server.keepAliveTimeout = 60000

  let cpu = process.cpuUsage()
  process.on('message', (msg) => {
    if (msg.type === 'snapshot') {
      const used = process.cpuUsage(cpu)
      process.send({
        type: 'snapshot',
        requests,
        lifetime,
        redisSent,
        scripts: Object.fromEntries(scripts),
        verifySha: built.verifySha ?? null,
        cpuMicros: used.user + used.system,
      })
      if (msg.reset) {
        requests = 0
        redisSent = 0
        scripts = new Map()
        cpu = process.cpuUsage()
      }
    } else if (msg.type === 'drain') {
      Promise.resolve(built.drain?.()).then(
        () => process.send({ type: 'drained' }),
        (error) => process.send({ type: 'drained', error: String(error) }),
      )
    } else if (msg.type === 'exit') {
      server.close()
      Promise.resolve(built.close?.()).finally(() => process.exit(0))
      setTimeout(() => process.exit(0), 1000).unref()
    }
  })
  process.send({ type: 'ready', port: server.address().port, tokens: built.tokens ?? null })
}

main().catch((error) => {
  console.error(`bench server ${variant}:`, error)
  process.exit(1)
})
