// The end of a run: noise figures, targets and machine facts added to the report, the JSON
// written, and every table, the targets and the warnings printed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderGrowth, renderHttp, renderMemory, renderMicro } from './report.mjs'
import { median } from './stats.mjs'
import { computeTargets, renderTargets } from './targets.mjs'

export function finish(report, { opts, loadAtStart, startedAt }) {
  const { results = [], propagation, micro, growth, failures } = report
  const measured = results.filter((r) => !r.skipped)
  const noise = (key) => ({
    median: median(measured.map((r) => r[key])),
    max: measured.length ? Math.max(...measured.map((r) => r[key])) : undefined,
  })
  report.noise = {
    cpuPerRequest: noise('cpuCv'),
    rps: noise('cv'),
    micro: micro
      ? { median: median(micro.results.map((r) => r.cv)), max: Math.max(...micro.results.map((r) => r.cv)) }
      : undefined,
    note:
      opts.rounds < 2
        ? 'one round: no coefficient of variation'
        : 'CV = stdev/mean across interleaved rounds',
  }
  report.targets = computeTargets({ results, micro, propagation })
  report.machine = {
    date: new Date().toISOString(),
    node: process.version,
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: os.cpus()[0]?.model,
    loadavg: loadAtStart,
    loadavgAtEnd: os.loadavg(),
    durationS: (Date.now() - startedAt) / 1000,
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true })
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n')

  const m = report.machine
  const pctOf = (n) =>
    n === undefined ? '–' : `${(n.median * 100).toFixed(1)}% median, ${(n.max * 100).toFixed(1)}% max`
  console.log(
    `\n${m.date}  node ${m.node}  nproc ${m.nproc}  ${m.cpu ?? ''}  load average ${m.loadavg.map((l) => l.toFixed(1)).join(' ')} at start, ${m.loadavgAtEnd.map((l) => l.toFixed(1)).join(' ')} at end`,
  )
  if (results.length) {
    console.log(
      `${opts.rounds} round(s) × ${opts.duration} s per scenario, ${opts.connections} connections, distinct pool ${opts.pool}; medians across rounds\n`,
    )
    console.log(renderHttp(results))
  }
  if (micro) console.log(`\n${renderMicro(micro)}`)
  if (growth) console.log(`\n${renderGrowth(growth)}`)
  const memory = renderMemory(micro, growth)
  if (memory) console.log(`\n${memory}`)
  if (propagation)
    console.log(
      propagation.skipped
        ? `\nrevocation propagation: skipped (${propagation.skipped})`
        : `\nrevocation propagation (Redis, ${propagation.count} revocations): p50 ${propagation.p50.toFixed(2)} ms, p99 ${propagation.p99.toFixed(2)} ms, max ${propagation.max.toFixed(2)} ms`,
    )
  console.log(
    `\nnoise (${report.noise.note}): server CPU/request ${pctOf(report.noise.cpuPerRequest)}; req/s ${pctOf(report.noise.rps)}; micro-bench ${pctOf(report.noise.micro)}`,
  )
  if (report.targets.length) console.log(`\ntargets:\n${renderTargets(report.targets)}`)
  const saturated = measured.filter((r) => r.generatorSaturated)
  if (saturated.length)
    console.log(
      `\nWARNING: the load generator was saturated in: ${saturated.map((r) => r.id).join(', ')} (their req/s may be the generator's limit)`,
    )
  const bad = measured.filter((r) => r.non2xx || r.errors)
  if (bad.length) console.log(`\nWARNING: non-2xx answers or errors in: ${bad.map((r) => r.id).join(', ')}`)
  if (failures.length)
    console.log(`\nFAILED: ${failures.map((f) => `${f.id} (round ${f.round})`).join(', ')}`)
  console.log(`\nwritten: ${path.relative(process.cwd(), opts.out)}  (${m.durationS.toFixed(0)} s)`)
  // A row that answered anything but 200 measured the wrong thing: fail the run.
  process.exitCode = bad.length || failures.length ? 1 : 0
}
