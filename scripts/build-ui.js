// Build step: the admin dashboard (ui/) into dist/ui/: index.html, app.js and app.css, bundled
// by esbuild with Preact and uPlot inside, so the package serves it with nothing from a CDN.
// `npm run build` runs it last; alone: `node scripts/build-ui.js [out dir]` (well under a second).

const { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const { join, resolve } = require('node:path')
const { buildSync } = require('esbuild')

const ROOT = join(__dirname, '..')
const UI = join(ROOT, 'ui')
/** The packages bundled into app.js. */
const BUNDLED = ['preact', 'uplot']

/** The page's Content-Security-Policy allows no inline script or style: refuse to ship any. */
function checkPage(html) {
  if (/<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=/i.test(html)) {
    throw new Error(
      'ui/index.html: no inline script, <style>, style= or on*= (the CSP forbids them)',
    )
  }
}

/** Builds the dashboard into `out` (dist/ui by default), replacing what was there. */
function buildUi(out = join(ROOT, 'dist', 'ui')) {
  checkPage(readFileSync(join(UI, 'index.html'), 'utf8'))
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  buildSync({
    entryPoints: { app: join(UI, 'src', 'main.tsx') },
    outdir: out,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  })
  copyFileSync(join(UI, 'index.html'), join(out, 'index.html'))
  // The bundle holds Preact and uPlot (both MIT): their notices ship beside it.
  const notices = BUNDLED.map(
    (name) =>
      `${name}\n\n${readFileSync(join(ROOT, 'node_modules', name, 'LICENSE'), 'utf8').trim()}\n`,
  )
  writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), notices.join('\n---\n\n'))
  return out
}

module.exports = { buildUi }

if (require.main === module) buildUi(process.argv[2] ? resolve(process.argv[2]) : undefined)
