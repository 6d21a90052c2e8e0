/* global module, require */ // until eslint.config.mjs gives *.cjs files Node globals
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = { ...require('../../jest.preset.js'), testTimeout: 30000 }
