// The layout rules of src/ (docs/architecture.md): one folder per concept, used through its index.ts,
// and imports that run one way. `npm test` runs this check; any violation fails it.

/** What each folder may import, besides itself and the loose files errors.ts and types.ts. */
const MAY_USE = {
  token: [],
  validation: [],
  limits: [],
  telemetry: [],
  dashboard: [],
  store: ['token', 'limits', 'validation', 'telemetry'],
  'request-log': ['store', 'token', 'telemetry'],
  'ip-block': ['store', 'validation', 'telemetry'],
  keys: ['store', 'token', 'limits', 'validation'],
  audit: ['store', 'keys', 'ip-block', 'token', 'validation'],
  guard: ['store', 'request-log', 'ip-block', 'token', 'validation', 'telemetry'],
  adapters: ['guard', 'telemetry', 'validation'],
  metrics: ['telemetry', 'validation'],
  admin: [
    'guard',
    'keys',
    'audit',
    'ip-block',
    'store',
    'token',
    'validation',
    'telemetry',
    'dashboard',
  ],
  cli: [
    'admin',
    'keys',
    'audit',
    'ip-block',
    'store',
    'token',
    'validation',
    'telemetry',
    'metrics',
    'dashboard',
  ],
}

const FOLDERS = Object.keys(MAY_USE)

const directionRules = FOLDERS.map((folder) => {
  const forbidden = FOLDERS.filter((other) => other !== folder && !MAY_USE[folder].includes(other))
  return {
    name: `${folder}-imports-one-way`,
    comment: `src/${folder}/ may use only: ${MAY_USE[folder].join(', ') || 'nothing but errors.ts and types.ts'}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${forbidden.join('|')})/` },
  }
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import circle: imports run one way',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'through-the-index',
      comment: 'another folder is used through its index.ts only',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'shared-files-stay-low',
      comment: 'errors.ts and types.ts sit under every folder: they may use token/ only',
      severity: 'error',
      from: { path: '^src/(errors|types)\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/token/', '^src/(errors|types)\\.ts$'] },
    },
    ...directionRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}
