// One extraction and one TypeScript program for every block: a few seconds, well under the timeout.
module.exports = { ...require('../../jest.preset.js'), testTimeout: 60000 }
