// A run starts with no figures of an earlier run.
const fs = require('node:fs')
const path = require('node:path')

module.exports = async () => {
  fs.rmSync(path.join(__dirname, '..', 'results', 'cases'), { recursive: true, force: true })
}
