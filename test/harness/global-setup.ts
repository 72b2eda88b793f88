// Jest global setup: use REDIS_URL if set, else start one private redis-server for the run.

import { startRedisServer } from './redis-server'

export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.KEYGUARD_TEST_REDIS_URL = process.env.REDIS_URL
    return
  }
  const server = await startRedisServer()
  process.env.KEYGUARD_TEST_REDIS_URL = server.url
  ;(globalThis as { __keyguardRedis?: typeof server }).__keyguardRedis = server
}
