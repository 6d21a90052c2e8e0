// One file at a time: the cases measure time bounds, and they share the machine with other suites.
module.exports = {
  ...require('../../jest.preset.js'),
  testTimeout: 60_000,
  maxWorkers: 1,
  setupFilesAfterEnv: ['<rootDir>/src/setup.ts'],
  globalSetup: '<rootDir>/src/global-setup.cjs',
  globalTeardown: '<rootDir>/src/summary.cjs',
}
