// Jest global setup: a fresh build, then REDIS_URL if set, else one private redis-server for the run.

import { requireFreshBuild } from './fresh-build'
import { startRedisServer } from './redis-server'

export default async function globalSetup(): Promise<void> {
  // The Lua mutation script changes lua/ under a built dist/; the suites it runs use no dist/.
  if (process.env.KEYGUARD_SKIP_BUILD_CHECK !== '1') requireFreshBuild()
  if (process.env.REDIS_URL) {
    process.env.KEYGUARD_TEST_REDIS_URL = process.env.REDIS_URL
    return
  }
  const server = await startRedisServer()
  process.env.KEYGUARD_TEST_REDIS_URL = server.url
  ;(globalThis as { __keyguardRedis?: typeof server }).__keyguardRedis = server
}
