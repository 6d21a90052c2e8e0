// Packing runs once per Jest run (globalSetup); installs and servers are slow, so long timeouts.
module.exports = {
  ...require('../../jest.preset.js'),
  globalSetup: '<rootDir>/global-setup.ts',
  globalTeardown: '<rootDir>/global-teardown.ts',
  testTimeout: 180000,
}
