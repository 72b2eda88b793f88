// The Lua scripts in lua/, read once when the Redis store is loaded.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The source of `lua/<name>`; the same path from src/ and from dist/. */
export const luaScript = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', '..', 'lua', name), 'utf8')
