// The Lua scripts of lua/, inlined into the build by scripts/inline-lua.js: no file is read at
// run time, so a bundled app needs no .lua files beside it.

import { LUA_SOURCES, type LuaScriptName } from './lua-scripts.generated'

/** The source of `lua/<name>`, as it was when the package was built. */
export const luaScript = (name: LuaScriptName): string => LUA_SOURCES[name]
