// After the run: every case's figures into results/faults.json, and one table on stdout.
const fs = require('node:fs')
const path = require('node:path')

const COLUMNS = [
  ['case', 'case'],
  ['requests', 'requests'],
  ['errors', '5xx/err'],
  ['violations', 'violations'],
  ['propagationP50Ms', 'prop p50 ms'],
  ['propagationP99Ms', 'prop p99 ms'],
  ['failClosedMs', 'fail closed ms'],
  ['recoverMs', 'recover ms'],
  ['repairMs', 'repair ms'],
  ['lost', 'lost'],
]

module.exports = async () => {
  const results = path.join(__dirname, '..', 'results')
  const dir = path.join(results, 'cases')
  if (!fs.existsSync(dir)) return
  const cases = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
  const out = { generatedAt: new Date().toISOString(), cases }
  fs.writeFileSync(path.join(results, 'faults.json'), `${JSON.stringify(out, null, 2)}\n`)
  const cell = (v) => (v === undefined || v === null ? '-' : String(v))
  const rows = [COLUMNS.map(([, title]) => title), ...cases.map((c) => COLUMNS.map(([key]) => cell(c[key])))]
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')
  console.log(`\nfault suite (results/faults.json)\n${rows.map(line).join('\n')}\n`)
}
