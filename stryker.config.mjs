// StrykerJS on the pure modules: token format, limits and period math, RateLimit headers, options.
// `npm run test:mutation:ts` (not part of `npm test` or CI); the scores are in docs/testing.md.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    configFile: 'test/unit/jest.config.js',
    // Jest's "related tests" only follow imports inside its roots: through src/index.ts it finds
    // almost no test of a mutated file, and every mutant survives. Coverage picks the tests instead.
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/token/{base62,crc32,format,scopes}.ts',
    'src/limits/{effective,gcra,periods}.ts',
    'src/guard/rate-limit-headers.ts',
    'src/guard/options.ts',
    'src/validation/{did-you-mean,options,parse-input}.ts',
  ],
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 95, low: 90, break: null },
}
