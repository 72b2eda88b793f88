// Build step after tsc: the ESM build, one esbuild run over every entry point with every
// dependency left external, into dist/esm/. Code the entries share goes into shared chunks, so
// `keyguard` and `keyguard/fastify` (say) use one copy of the guard, its registries included.
// Each entry's types re-export the CJS build's declarations.

const { mkdirSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { buildSync } = require('esbuild')

const ROOT = join(__dirname, '..')
const OUT = join(ROOT, 'dist', 'esm')

/** ESM entry name → [source, the CJS declarations it re-exports, relative to dist/esm/] */
const ENTRIES = {
  index: ['src/index.ts', '../index.js'],
  fastify: ['src/adapters/fastify.ts', '../adapters/fastify.js'],
  hono: ['src/adapters/hono.ts', '../adapters/hono.js'],
  metrics: ['src/metrics/index.ts', '../metrics/index.js'],
}

mkdirSync(OUT, { recursive: true })
buildSync({
  entryPoints: Object.fromEntries(
    Object.entries(ENTRIES).map(([name, [source]]) => [name, join(ROOT, source)]),
  ),
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // src/dashboard/assets-dir.ts finds the package root (and dist/ui) from its module's URL here,
  // where the CommonJS build has __dirname.
  define: { __keyguardModuleUrl: 'import.meta.url' },
  sourcemap: true,
  logLevel: 'warning',
})
// ESM-flavoured declarations: the same exports as the CJS ones, for `import` under nodenext.
for (const [name, [, declarations]] of Object.entries(ENTRIES)) {
  writeFileSync(join(OUT, `${name}.d.mts`), `export * from '${declarations}'\n`)
}
