// Starts and stops the variants' server processes (bench/server.js), one process per variant.

const { fork } = require('node:child_process')
const { join, resolve } = require('node:path')
const { ask, nextId, stopChild, track } = require('./children')
const { KEYS } = require('./options')
const { collectProfile, profileFlags } = require('./profile')

/**
 * Forks `variant`'s server on a free loopback port. Keys a server made itself (keyguard on
 * MemoryStore) are handed to the load generator as a request set of their own, `group`.
 */
async function startServer(variant, ctx) {
  const { opts } = ctx
  const child = track(
    fork(join(__dirname, 'server.js'), [variant.id], {
      execArgv: opts.profile ? profileFlags(variant.id) : [],
      env: {
        ...process.env,
        BENCH_REDIS_URL: ctx.redis.url,
        BENCH_REJECT_TOKEN: ctx.tokens.redis.reject,
        BENCH_KEYS: String(KEYS),
        ...(opts.alt ? { BENCH_ALT: resolve(opts.alt) } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const ready = await ask(child, {}, 'ready', 120000)
  let group = 'redis'
  if (ready.tokens) {
    group = `tokens-${variant.id}`
    await ask(
      ctx.load,
      {
        type: 'tokens',
        id: nextId(),
        sets: {
          [`${group}:hot`]: [ready.tokens.hot],
          [`${group}:many`]: ready.tokens.many,
          [`${group}:rejected`]: [ready.tokens.reject],
        },
      },
      'tokens',
      30000,
    )
  }
  return { variant, child, group, url: `http://127.0.0.1:${ready.port}/` }
}

/** Stops a server; with --profile, its CPU profile is read into `profiles`. */
async function stopServer(server, ctx, profiles) {
  const last = await ask(server.child, { type: 'snapshot', reset: false }, 'snapshot', 10000)
  await stopChild(server.child)
  if (ctx.opts.profile) collectProfile(server.variant, last.lifetime, profiles)
}

module.exports = { startServer, stopServer }
