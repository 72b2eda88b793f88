// Memory fill worker, forked by bench/memory.js: its share of the keys through every window.

// Every sub-bucket of the rolling windows is reached with the store's clock override
// (RedisStore `clock`) instead of waiting for real time to pass.

const kg = require('../dist')
const { pool } = require('./keys')

process.on('disconnect', () => process.exit(0))
process.on('message', (msg) => {
  if (msg.type === 'fill') fill(msg)
  else if (msg.type === 'exit') process.exit(0)
})

async function fill({ url, tokens, steps }) {
  const keys = tokens.map((t) => {
    const parsed = kg.parseToken(t, 'kg')
    return { id: parsed.id, tag: parsed.tag, hash: kg.hashToken(t), cost: 1, scopes: [] }
  })
  let nowMs = 0
  const store = new kg.RedisStore({
    url,
    autoPipelining: true,
    commandTimeout: 30000,
    clock: () => nowMs,
  })
  let rejected = 0
  try {
    for (const step of steps) {
      nowMs = step
      await pool(keys.length, 1000, async (i) => {
        const verdict = await store.verify(keys[i])
        if (verdict.outcome !== 'ok') rejected++
      })
    }
    process.send({ type: 'filled', rejected })
  } catch (error) {
    process.send({ type: 'filled', error: String(error?.stack ?? error) })
  } finally {
    await store.close()
  }
}

process.send({ type: 'ready' })
