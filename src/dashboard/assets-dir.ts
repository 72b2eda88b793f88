// Where the dashboard's built assets are: dist/ui/ in keyguard's package root, found from this module's own folder.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The ESM build's `import.meta.url` (scripts/build-esm.js defines it); undefined in the CommonJS
 * build and under ts-jest, where `__dirname` is there instead.
 */
declare const __keyguardModuleUrl: string | undefined

/** This module's folder: src/dashboard, dist/dashboard, dist/esm or dist/esm/chunks (or a bundle's). */
function moduleDir(): string | null {
  if (typeof __dirname === 'string') return __dirname
  if (typeof __keyguardModuleUrl === 'string') return dirname(fileURLToPath(__keyguardModuleUrl))
  return null
}

/** The nearest folder at or above `from` whose package.json is keyguard's, or null. */
export function packageRoot(from: string | null = moduleDir()): string | null {
  for (let dir = from; dir !== null; ) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }
      if (pkg.name === 'keyguard') return dir
    } catch {
      // No package.json here, or not JSON: keep walking up.
    }
    const parent = dirname(dir)
    dir = parent === dir ? null : parent
  }
  return null
}

/** `<package root>/dist/ui`, where `npm run build` writes the dashboard; null outside the package (a bundle). */
export function dashboardAssetsDir(): string | null {
  const root = packageRoot()
  return root === null ? null : join(root, 'dist', 'ui')
}

/**
 * For tests only: an options object that carries this symbol serves the dashboard from the
 * folder it names instead of dist/ui (a symbol, so no option name nor validation sees it).
 */
export const DASHBOARD_ASSETS_DIR: unique symbol = Symbol.for('keyguard.dashboardAssetsDir')

/** The folder an adminRouter serves the dashboard from: the test override, else dist/ui. */
export function assetsDirOf(options: object | undefined): string | null {
  const injected = (options as { [DASHBOARD_ASSETS_DIR]?: unknown } | undefined)?.[
    DASHBOARD_ASSETS_DIR
  ]
  return typeof injected === 'string' ? injected : dashboardAssetsDir()
}

/** Whether dist/ui holds a built dashboard (its index.html), for a note where it is announced. */
export function dashboardBuilt(): boolean {
  const dir = dashboardAssetsDir()
  return dir !== null && existsSync(join(dir, 'index.html'))
}
