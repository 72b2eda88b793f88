// Some suites run the built package (dist/): the CLI, `keyguard serve`, app processes, the bench.
// They must not test stale code, so the run stops when dist/ is older than src/ or lua/.

import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const time = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs
    if (time > newest) newest = time
  }
  return newest
}

/** Throws, saying how to fix it, when dist/ is missing or older than the sources. */
export function requireFreshBuild(): void {
  const built = join(ROOT, 'dist', 'index.js')
  const fix = 'run `npm run build` first (`npm test` builds before it runs the tests)'
  if (!existsSync(built)) throw new Error(`dist/ is missing: ${fix}`)
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'lua')))
  if (sources > newestMtime(join(ROOT, 'dist'))) {
    throw new Error(
      `dist/ is older than src/ or lua/, so some suites would test stale code: ${fix}`,
    )
  }
}
