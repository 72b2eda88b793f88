// adapters: the folder's public face (Fastify and Hono have their own entry points, so their types load only when used).

export * from './node-http'
