// Build step after tsc: deletes what an earlier build left in dist/ for a source file that no
// longer exists (tsc never removes outputs), so a packed tarball holds no stale modules and every
// source map in it points at a shipped file. dist/esm/ and dist/ui/ are rewritten whole by their steps.

const { readdirSync, rmSync, existsSync } = require('node:fs')
const { join, relative } = require('node:path')

const ROOT = join(__dirname, '..')
const DIST = join(ROOT, 'dist')
const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/
/** Folders that their own build step rewrites whole: dist/esm (build-esm.js), dist/ui (build-ui.js). */
const WHOLE = [join(DIST, 'esm'), join(DIST, 'ui')]

function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!WHOLE.includes(path)) prune(path)
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true })
      continue
    }
    const source = join(ROOT, 'src', relative(DIST, path).replace(OUTPUT, '.ts'))
    if (OUTPUT.test(entry.name) && !existsSync(source)) rmSync(path)
  }
}

if (existsSync(DIST)) prune(DIST)
