/**
 * What a run proves, in numbers the cases assert on and record. Times are ms since the run started.
 */
import { HEARTBEAT_INTERVAL, MAX_STALENESS, get, type Instance } from './fleet'
import { PROPAGATION_MS, type Run, type Sample } from './load'

export { PROPAGATION_MS }

/**
 * Silent faults: sensitive routes answer 503 within maxStaleness + heartbeatInterval of the fault.
 * SLACK_MS covers the probe spacing (a 25 ms tick) and event-loop turns under load.
 */
export const FAIL_CLOSED_BOUND_MS = (MAX_STALENESS + HEARTBEAT_INTERVAL) * 1000
export const SLACK_MS = 150

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10)

export interface Figures {
  requests: number
  /** Answers that are neither 2xx, 401 nor 503 (a 500, a network error). */
  errors: number
  /** 503 answers without a Retry-After or without the temporarily_unavailable error. */
  malformed503: number
  /** A revoked token accepted on /pay later than PROPAGATION_MS after its revoke() resolved. */
  violations: number
  /** /read with a fresh token not answered 200. */
  normalFailures: number
  revocations: number
  revocationsRejected: number
  propagationP50Ms?: number
  propagationP99Ms?: number
  /** Propagation watches that ended in a 503 instead of a 401 (allowed: fail closed). */
  propagationFailedClosed: number
  /** From the fault to the first 503 on /pay of the `affected` instances. */
  failClosedMs?: number
  /** Fresh tokens accepted on an affected /pay after the fail-closed bound, before the heal. */
  lateAccepts: number
  /** From the heal (or the fault) until every later fresh /pay on every instance answers 200. */
  recoverMs?: number
  /** /pay answers 503 on the affected instances, in total. */
  unavailable: number
}

export function analyze(run: Run, affected: string[]): Figures {
  const { samples } = run
  const on = (s: Sample, names: string[]) => names.includes(s.instance)
  const freshPay = samples.filter((s) => s.path === '/pay' && s.kind === 'fresh')
  const firstClosed = freshPay
    .filter((s) => on(s, affected) && s.sent >= run.faultAt && s.status === 503)
    .sort((a, b) => a.done - b.done)[0]
  const healAt = run.healAt ?? run.faultAt
  const lateAccepts = freshPay.filter(
    (s) =>
      on(s, affected) &&
      s.status === 200 &&
      s.sent > run.faultAt + FAIL_CLOSED_BOUND_MS + SLACK_MS &&
      s.sent < (run.healAt ?? Infinity),
  ).length
  // Recovered from the first fresh /pay after which no fresh /pay answered anything but 200.
  const after = freshPay.filter((s) => s.sent >= healAt).sort((a, b) => a.sent - b.sent)
  let lastBad = -1
  after.forEach((s, i) => {
    if (s.status !== 200) lastBad = i
  })
  const recovered = lastBad + 1 < after.length ? after[lastBad + 1]! : undefined
  const propagated = run.propagation.filter((p) => p.outcome === 'revoked').map((p) => p.ms)
  return {
    requests: samples.length,
    errors: samples.filter((s) => ![200, 401, 503].includes(s.status)).length,
    malformed503: samples.filter((s) => s.status === 503 && !s.wellFormed503).length,
    violations: samples.filter(
      (s) =>
        s.path === '/pay' &&
        s.kind === 'revoked' &&
        s.status === 200 &&
        s.sent > s.revokedAt! + PROPAGATION_MS,
    ).length,
    normalFailures: samples.filter((s) => s.path === '/read' && s.kind === 'fresh' && s.status !== 200)
      .length,
    revocations: run.revocations.filter((r) => r.resolved !== undefined).length,
    revocationsRejected: run.revocations.filter((r) => r.rejected !== undefined).length,
    propagationP50Ms: round(percentile(propagated, 50)),
    propagationP99Ms: round(percentile(propagated, 99)),
    propagationFailedClosed: run.propagation.filter((p) => p.outcome === 'unavailable').length,
    failClosedMs: firstClosed ? Math.round(firstClosed.done - run.faultAt) : undefined,
    lateAccepts,
    recoverMs: recovered && lastBad >= 0 ? Math.round(recovered.sent - healAt) : recovered ? 0 : undefined,
    unavailable: freshPay.filter((s) => on(s, affected) && s.status === 503).length,
  }
}

/**
 * Polls until every instance's /pay accepts a fresh token; resolves with the ms it took, or
 * (after `timeoutMs`) without it; either way with the last status per instance.
 */
export async function waitRecovered(
  instances: Instance[],
  token: string,
  timeoutMs = 10_000,
): Promise<{ ms?: number; last: Record<string, number> }> {
  const started = performance.now()
  let last: Record<string, number> = {}
  while (performance.now() - started < timeoutMs) {
    const statuses = await Promise.all(instances.map((i) => get(i, '/pay', token)))
    last = Object.fromEntries(instances.map((i, n) => [i.name, statuses[n]!]))
    if (statuses.every((s) => s === 200)) return { ms: Math.round(performance.now() - started), last }
    await new Promise((r) => setTimeout(r, 25))
  }
  return { last }
}

/**
 * Revocations lost: tokens whose revoke() resolved that some instance's /pay still accepts
 * (asked once every instance answers again), with the count per instance. Includes instances
 * started after the fault.
 */
export async function lostRevocations(
  run: Run,
  instances: Instance[],
): Promise<{ lost: number; lostBy: Record<string, number> }> {
  let lost = 0
  const lostBy: Record<string, number> = {}
  for (const revocation of run.revocations) {
    if (revocation.resolved === undefined) continue
    const statuses = await Promise.all(instances.map((i) => get(i, '/pay', revocation.token)))
    if (statuses.some((s) => s === 200)) lost++
    statuses.forEach((s, i) => {
      if (s === 200) lostBy[instances[i]!.name] = (lostBy[instances[i]!.name] ?? 0) + 1
    })
  }
  return { lost, lostBy }
}
