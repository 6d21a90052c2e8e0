// Markdown tables of a run: HTTP rows (server CPU per request first), the in-process micro-bench
// and the growth curves. The same text goes to the terminal and into bench/README.md.

const fmt = (value, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '–' : value.toFixed(digits)
const int = (value) =>
  value === undefined || value === null ? '–' : Math.round(value).toLocaleString('en-US')
const pct = (value) => (value === undefined ? '–' : `${(value * 100).toFixed(1)}%`)

function table(header, rows, leftColumns = 1) {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`,
  ]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

export function renderHttp(results) {
  const header = [
    'scenario',
    'framework',
    'CPU µs/req',
    'CPU CV',
    '× floor CPU',
    'req/s',
    'req/s CV',
    '× bare',
    '× best peer',
    'p50 ms',
    'p99 ms',
    'server busy',
    'wrk busy',
    'RSS MB',
    'AS calls/req',
  ]
  const rows = results.map((r) => {
    if (r.skipped)
      return [r.scenario, r.framework, `skipped: ${r.skipped}`, ...Array(header.length - 3).fill('')]
    const flags = [
      r.non2xx || r.errors ? `⚠ ${r.non2xx} non-2xx, ${r.errors} errors` : '',
      r.generatorSaturated ? '⚠ generator saturated' : '',
    ]
      .filter(Boolean)
      .join(' ')
    return [
      `${r.scenario}${flags ? ` ${flags}` : ''}`,
      r.framework,
      fmt(r.cpuPerRequest, 1),
      pct(r.cpuCv),
      fmt(r.cpuToFloor),
      int(r.rps),
      pct(r.cv),
      fmt(r.rpsToBare),
      fmt(r.rpsToBestPeer),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      pct(r.serverBusy),
      pct(r.generatorBusy),
      fmt(r.rssMB, 0),
      r.introspectionsPerRequest === undefined ? '' : fmt(r.introspectionsPerRequest, 3),
    ]
  })
  return table(header, rows, 2)
}

export function renderMicro(micro) {
  const floor = (name) => {
    const alg = name.slice(-5)
    return micro.results.find((r) => r.name === `crypto.verify-${alg}`)?.usPerCall
  }
  const rows = micro.results.map((r) => [
    r.name,
    fmt(r.usPerCall, 2),
    pct(r.cv),
    fmt(r.usPerCall / floor(r.name)),
  ])
  const memory = Object.entries(micro.cacheEntryBytes ?? {})
    .map(([alg, bytes]) => `${alg} ${int(bytes)} B`)
    .join(', ')
  return `${table(['variant (one call = one validation)', 'CPU µs/call', 'CV', '× crypto.verify'], rows)}\n\n${micro.rounds} interleaved rounds of ${micro.pool} calls; verified-token cache, heap per entry: ${memory || '–'}`
}

const cell = (v) => {
  if (v === null || v === undefined) return '–' // NaN, once through IPC or JSON
  if (typeof v !== 'number') return v
  if (!Number.isFinite(v)) return '–'
  return Number.isInteger(v) || Math.abs(v) >= 100 ? int(v) : fmt(v)
}

export function renderGrowth(growth) {
  const parts = []
  for (const curve of growth.curves ?? []) {
    parts.push(
      `**${curve.title}**${curve.note ? ` (${curve.note})` : ''}\n\n${table(
        curve.header,
        curve.rows.map((row) => row.map(cell)),
      )}`,
    )
  }
  return parts.join('\n\n')
}

/**
 * Memory per entry of every cache, of the denylist mirror and per trusted issuer, in bytes, one row
 * each: the verified-token cache from the micro-bench, the rest from the growth curves (by column name).
 */
export function memoryRows(micro, growth) {
  const rows = []
  for (const [alg, bytes] of Object.entries(micro?.cacheEntryBytes ?? {}))
    rows.push([
      'verified-token cache',
      `${alg} tokens, ${micro.memoryEntries === undefined ? '–' : int(micro.memoryEntries)} entries`,
      bytes,
    ])
  const columns = [
    ['Introspection cache', 'heap B/entry', 'introspection cache'],
    ['Denylist, MemoryStore', 'mirror B/entry', 'denylist mirror (MemoryStore)'],
    ['Denylist, MemoryStore', 'store B/entry', 'MemoryStore denylist entries'],
    ['Denylist, RedisStore', 'mirror B/entry', 'denylist mirror (RedisStore)'],
    ['Issuers', 'heap B/issuer', 'trusted issuer (resolver, key set, one cached token)', 'issuers'],
  ]
  for (const [title, column, name, unit = 'entries'] of columns) {
    const curve = (growth?.curves ?? []).find((c) => c.title?.startsWith(title))
    const at = curve?.header.indexOf(column) ?? -1
    if (at < 0) continue
    for (const row of curve.rows)
      if (Number.isFinite(row[at])) rows.push([name, `${int(row[0])} ${unit}`, row[at]])
  }
  return rows
}

export function renderMemory(micro, growth) {
  const rows = memoryRows(micro, growth)
  if (rows.length === 0) return ''
  return `**Memory per entry, bytes** (heap growth after a full GC, divided by the entries added)\n\n${table(
    ['structure', 'measured at', 'bytes/entry'],
    rows.map(([name, at, bytes]) => [name, at, int(bytes)]),
    2,
  )}`
}
