/**
 * Each case records its figures into results/cases/<case>.json; the global teardown
 * (summary.cjs) merges them into results/faults.json and prints one table.
 */
import fs from 'node:fs'
import path from 'node:path'

export const RESULTS_DIR = path.join(__dirname, '..', 'results')

export function record(name: string, figures: Record<string, unknown>): void {
  const dir = path.join(RESULTS_DIR, 'cases')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.json`)
  fs.writeFileSync(file, `${JSON.stringify({ case: name, ...figures }, null, 2)}\n`)
}
