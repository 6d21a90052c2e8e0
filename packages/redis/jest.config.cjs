module.exports = { ...require('../../jest.preset.js'), testTimeout: 20000 }
