// A strict TypeScript consumer that passes its own ioredis client to RedisStore, once as an ES
// module (the `import` types) and once as CommonJS (the `require` types).

const CONSUMER = `import express from 'express'
import { Redis } from 'ioredis'
import { type ApiKeyContext, apiKeyGuard, KeyManager, RedisStore } from 'keyguard'

const client = new Redis({ lazyConnect: true })
const store = new RedisStore({ client, prefix: 'app:' })
export const keys = new KeyManager(store)
export const app = express()
app.get('/r', apiKeyGuard({ store, scopes: ['reports:read'] }), (req, res) => {
  const key: ApiKeyContext | undefined = req.apiKey
  res.json({ id: key?.id })
})

// The types are keyguard's own, not any: an unknown option fails to type-check.
// @ts-expect-error RedisStore has no 'host' option
export const wrong = new RedisStore({ client, host: 'localhost' })
`

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['consumer.mts', 'consumer.cts'],
}

/** The consumer's files by name. */
export function typeScriptConsumer(): Record<string, string> {
  return {
    'consumer.mts': CONSUMER,
    'consumer.cts': CONSUMER,
    'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
  }
}
