// One file at a time: the cases measure time bounds, and they share the machine with other suites.
module.exports = {
  ...require('../../jest.preset.js'),
  testTimeout: 60_000,
  maxWorkers: 1,
  // Every process and server is stopped in afterAll; an ioredis reconnect timer left inside a
  // store must still not hang CI (it is reported as a bug, not waited for).
  forceExit: true,
  setupFilesAfterEnv: ['<rootDir>/src/setup.ts'],
  globalSetup: '<rootDir>/src/global-setup.cjs',
  globalTeardown: '<rootDir>/src/summary.cjs',
}
