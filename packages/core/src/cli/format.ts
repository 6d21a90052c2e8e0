import type { ExplainReport } from '../explain/report.js'

/** The report as a person reads it in a terminal: verdict, one line per check, fixes indented. */
export function formatReport(report: ExplainReport): string {
  const lines: string[] = []
  lines.push(
    report.ok
      ? `ACCEPTED (strategy ${report.strategy})`
      : `REFUSED: ${report.status} ${report.reason}${report.strategy === undefined ? '' : ` (strategy ${report.strategy})`}`,
  )
  const width = Math.max(...report.checks.map((item) => item.check.length))
  for (const item of report.checks) {
    const mark = item.ok ? 'ok  ' : item.skipped === true ? 'skip' : 'FAIL'
    lines.push(`  ${mark} ${item.check.padEnd(width)}  ${item.detail}`)
    if (item.fix !== undefined) lines.push(`       ${' '.repeat(width)}  fix: ${item.fix}`)
  }
  if (report.claims !== undefined) {
    const claims = Object.entries(report.claims).map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    lines.push(`claims: ${claims.join(', ')}`)
  }
  return `${lines.join('\n')}\n`
}
