/** One line of the tour's table. */
export interface Row {
  step: string
  framework: string
  request: string
  status: number
  expected: number
  /** The status was the expected one and the step's own checks held. */
  passed: boolean
  meaning: string
}

/** A plain-text table: one header, one line per row, columns padded to their widest cell. */
export function renderTable(rows: Row[]): string {
  const header = ['#', 'step', 'framework', 'request', 'status', 'what it means']
  const cells = rows.map((row, i) => [
    String(i + 1),
    row.step,
    row.framework,
    row.request,
    `${row.status || 'error'} ${row.passed ? 'ok' : `FAIL (expected ${row.expected})`}`,
    row.meaning,
  ])
  const widths = header.map((title, col) => Math.max(title.length, ...cells.map((line) => line[col]!.length)))
  const format = (line: string[]) =>
    line.map((cell, col) => (col === line.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')
  const rule = widths.map((w, col) => '-'.repeat(col === widths.length - 1 ? Math.min(w, 40) : w)).join('  ')
  const lines = [format(header), rule]
  let previous = ''
  for (const [i, line] of cells.entries()) {
    // A blank line between frameworks keeps the table readable.
    if (previous && rows[i]!.framework !== previous) lines.push('')
    previous = rows[i]!.framework
    lines.push(format(line))
  }
  return lines.join('\n')
}
