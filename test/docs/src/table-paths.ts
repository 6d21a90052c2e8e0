// Finds the file paths a README table names, and which of them the repository does not hold, so a
// table that tells contributors where to change things cannot drift from the code.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './extract'

/** The rows of the first Markdown table under `## <heading>`, as their backticked spans. */
export function tableRows(markdown: string, heading: string): Array<{ label: string; spans: string[] }> {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`)
  if (start < 0) throw new Error(`no "## ${heading}" section`)
  const rows: Array<{ label: string; spans: string[] }> = []
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    const cells = line.split('|').slice(1, -1)
    if (cells.every((cell) => /^\s*-+\s*$/.test(cell))) continue
    const label = cells[0]!.trim()
    rows.push({ label, spans: [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) })
  }
  return rows.slice(1) // the header row
}

/** A span names a file or folder when it holds a `/` or ends in `.ts`; `@tokenguard/…` is a package export. */
export function isPath(span: string): boolean {
  return !span.includes(' ') && (span.includes('/') || span.endsWith('.ts'))
}

/** Whether `relative` exists under `base`; a `<placeholder>` segment stands for any entry there. */
function existsUnder(base: string, segments: string[], directory: boolean): boolean {
  if (segments.length === 0) return existsSync(base) && (!directory || statSync(base).isDirectory())
  const [first, ...rest] = segments
  if (/^<[^>]+>(\.[a-z]+)?$/.test(first!)) {
    if (!existsSync(base) || !statSync(base).isDirectory()) return false
    const suffix = first!.replace(/^<[^>]+>/, '')
    return readdirSync(base)
      .filter((entry) => entry.endsWith(suffix))
      .some((entry) => existsUnder(path.join(base, entry), rest, directory))
  }
  return existsUnder(path.join(base, first!), rest, directory)
}

/** `@tokenguard/<package>[/<subpath>]`: the package's `exports` must list that subpath. */
function exportExists(specifier: string): boolean {
  const [, name, subpath] = /^@tokenguard\/([^/]+)(\/.+)?$/.exec(specifier) ?? []
  const manifest = path.join(REPO_ROOT, 'packages', name ?? '', 'package.json')
  if (name === undefined || !existsSync(manifest)) return false
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> })
    .exports
  return exports !== undefined && `.${subpath ?? ''}` in exports
}

/**
 * The spans of these rows that name nothing in the repository. A path is looked up under each of
 * `bases` (relative to the repository root), then under the root itself.
 */
export function missingPaths(spans: readonly string[], bases: readonly string[]): string[] {
  return spans.filter((span) => {
    if (span.startsWith('@tokenguard/')) return !exportExists(span)
    if (!isPath(span)) return false
    const segments = span.replace(/\/$/, '').split('/')
    const directory = span.endsWith('/')
    return ![...bases, '.'].some((base) => existsUnder(path.join(REPO_ROOT, base), segments, directory))
  })
}
