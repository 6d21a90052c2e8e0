// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function, and per module, with
// positions in bundled tokenguard packages mapped back to their TypeScript sources (dist/*.map).
import fs from 'node:fs'
import path from 'node:path'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

const maps = new Map()
function sourceMapFor(file) {
  if (!maps.has(file)) {
    let map
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')))
    } catch {
      map = undefined
    }
    maps.set(file, map)
  }
  return maps.get(file)
}

function locate(callFrame) {
  const { url, lineNumber, columnNumber } = callFrame
  if (!url) return { where: '(native/vm)', module: '(native/vm)' }
  let file = url.startsWith('file://') ? fileURLToPath(url) : url
  if (file.startsWith('node:')) return { where: `${file}:${lineNumber + 1}`, module: 'node internals' }
  const tg = file.match(/packages\/([^/]+)\/dist\//)
  if (tg) {
    const entry = sourceMapFor(file)?.findEntry(lineNumber, columnNumber)
    const source = entry?.originalSource
      ? entry.originalSource
          .replace(/^.*?packages\//, 'packages/')
          .replace(/^(\.\.\/)+/, `packages/${tg[1]}/`)
      : file
    return { where: `${source}:${(entry?.originalLine ?? lineNumber) + 1}`, module: `@tokenguard/${tg[1]}` }
  }
  const nm = file.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = file.slice(nm + 13).split('/')
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
    return {
      where: `${pkg}/${rest.slice(pkg.includes('/') ? 2 : 1).join('/')}:${lineNumber + 1}`,
      module: pkg,
    }
  }
  return { where: `${path.basename(file)}:${lineNumber + 1}`, module: path.basename(file) }
}

export function summarizeProfile(profile, { top = 30 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const fns = new Map()
  const modules = new Map()
  let idle = 0
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id)
    const name = callFrame.functionName || '(anonymous)'
    if (name === '(idle)') idle += us
    const { where, module } = ['(idle)', '(program)', '(garbage collector)'].includes(name)
      ? { where: '', module: name }
      : locate(callFrame)
    const key = `${name} ${where}`
    fns.set(key, { name, where, module, us: (fns.get(key)?.us ?? 0) + us })
    modules.set(module, (modules.get(module) ?? 0) + us)
  }
  const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`
  const busy = total - idle
  const lines = [
    `total ${(total / 1e6).toFixed(2)} s sampled, idle ${pct(idle, total)}; percentages below are of busy (non-idle) time`,
    '',
    'top self time by function:',
  ]
  for (const f of [...fns.values()]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, top)) {
    lines.push(`  ${pct(f.us, busy)}  ${f.name.padEnd(34)} ${f.where}`)
  }
  // Inclusive time of tokenguard's own functions: each sample counts once for every distinct
  // @tokenguard function on its stack (so nested calls are not double counted).
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map()
  for (const [id, us] of self) {
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at)
      if (!/packages\/[^/]+\/dist\//.test(callFrame.url)) continue
      const { where } = locate(callFrame)
      const key = `${callFrame.functionName || '(anonymous)'} ${where}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }
  lines.push('', 'inclusive time of @tokenguard functions (self + callees):')
  for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 15))
    lines.push(`  ${pct(us, busy)}  ${key}`)
  lines.push('', 'self time by module:')
  for (const [module, us] of [...modules]
    .filter(([m]) => m !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)) {
    lines.push(`  ${pct(us, busy)}  ${module}`)
  }
  return lines.join('\n')
}
