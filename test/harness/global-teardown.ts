// Jest global teardown: stop the private redis-server, if this run started one.

import type { RedisServer } from './redis-server'

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __keyguardRedis?: RedisServer }).__keyguardRedis?.stop()
}
