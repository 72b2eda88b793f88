// Build step: writes the text of every lua/*.lua into a TypeScript module under src/, so the
// scripts travel inside the JS build and no file is read at run time (bundlers copy nothing).
// lua/ stays the source of truth; git ignores the generated module.

const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const ROOT = join(__dirname, '..')
const LUA = join(ROOT, 'lua')
const OUT = join(ROOT, 'src', 'store', 'redis', 'lua-scripts.generated.ts')

const names = readdirSync(LUA)
  .filter((name) => name.endsWith('.lua'))
  .sort()
const entries = names.map(
  (name) => `  ${JSON.stringify(name)}: ${JSON.stringify(readFileSync(join(LUA, name), 'utf8'))},`,
)
const text =
  '// Generated from lua/*.lua by scripts/inline-lua.js (run by `npm run build`). Do not edit.\n\n' +
  `export type LuaScriptName = ${names.map((name) => JSON.stringify(name)).join(' | ')}\n\n` +
  `export const LUA_SOURCES: Readonly<Record<LuaScriptName, string>> = {\n${entries.join('\n')}\n}\n`

// Rewritten only when a script changed, so an unchanged tree does not look newer than dist/.
if (!existsSync(OUT) || readFileSync(OUT, 'utf8') !== text) writeFileSync(OUT, text)
