// The unit tests alone (`npx jest -c test/unit/jest.config.js`): pure modules from src/, so no
// Redis and no build. StrykerJS runs them against each mutant (stryker.config.mjs).

const base = require('../../jest.config')

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
}
