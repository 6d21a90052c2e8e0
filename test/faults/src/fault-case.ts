/**
 * One fault case end to end: load with the fault in the middle, recovery, a new instance started
 * afterwards, the lost-revocation count, the figures recorded; then the assertions every case
 * shares. A case adds its own assertions on what this returns.
 */
import {
  analyze,
  FAIL_CLOSED_BOUND_MS,
  lostRevocations,
  PROPAGATION_MS,
  SLACK_MS,
  waitRecovered,
  type Figures,
} from './analyze'
import { mintToken, type Instance } from './fleet'
import { runLoad, type LoadOptions, type Run } from './load'
import { record } from './results'
import { unhandled } from './setup'

export interface CaseOptions extends Omit<LoadOptions, 'durationMs' | 'faultAt'> {
  name: string
  /** Instances whose feed the fault cuts off (their /pay must fail closed). */
  affected: string[]
  /** Instances the fault must not touch: their /pay never answers 503. */
  unaffected?: string[]
  /** The affected /pay must answer 503 within the bound and until the heal. */
  expectFailClosed: boolean
  faultAt?: number
  durationMs?: number
  /** Runs once the fleet has recovered, before the lost count (e.g. wait for a repair). */
  afterRecovery?: (run: Run) => Promise<Record<string, unknown> | void>
  /** Started after recovery: it must refuse every revocation the fleet refuses. */
  newInstance?: () => Promise<Instance>
}

export interface CaseResult extends Figures {
  lost: number
  run: Run
}

/**
 * Once the fleet reads again, each revoker revokes one more token, retrying for up to 10 s; the
 * token joins the run's revocations (so the lost count covers it). Resolves with whether every
 * revoker managed, and how long after the end of the load the last one took.
 */
async function revokeAgain(
  run: Run,
  revokers: Instance[],
): Promise<{ writable: boolean; writableMs?: number }> {
  const started = performance.now()
  let writable = true
  for (const by of revokers) {
    const token = await mintToken()
    const revocation: Run['revocations'][number] = { token, started: performance.now() - run.t0, by: by.name }
    run.revocations.push(revocation)
    while (revocation.resolved === undefined && performance.now() - started < 10_000) {
      try {
        await by.validator.revoke(token)
        revocation.resolved = performance.now() - run.t0
      } catch (error) {
        revocation.rejected = String((error as Error).message ?? error)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    if (revocation.resolved === undefined) writable = false
    else delete revocation.rejected
  }
  return { writable, writableMs: writable ? Math.round(performance.now() - started) : undefined }
}

/** FAULTS_DEBUG=1: each instance's store events against the run's clock. */
function printTimeline(name: string, run: Run, instances: Instance[], last: Record<string, number>): void {
  const lines = [
    `${name}: fault at ${run.faultAt}, heal at ${Math.round(run.healAt ?? -1)}, last /pay ${JSON.stringify(last)}`,
  ]
  for (const instance of instances) {
    instance.events.forEach((event, i) => {
      const type = (event as { type: string }).type
      if (!/^(store|denylist_(resynced|repaired))/.test(type)) return
      lines.push(
        `  ${instance.name} ${Math.round(instance.eventTimes[i]! - run.t0)} ${JSON.stringify(event)}`,
      )
    })
  }
  console.log(lines.join('\n'))
}

export async function faultCase(options: CaseOptions): Promise<CaseResult> {
  const run = await runLoad({
    ...options,
    faultAt: options.faultAt ?? 1000,
    durationMs: options.durationMs ?? 4500,
  })
  const figures = analyze(run, options.affected)
  const everyone = [...options.instances]
  const waited = await waitRecovered(everyone, await mintToken(), 20_000)
  if (figures.recoverMs === undefined && waited.ms !== undefined) {
    figures.recoverMs = Math.round(run.durationMs - (run.healAt ?? run.faultAt) + waited.ms)
  }
  if (process.env.FAULTS_DEBUG) printTimeline(options.name, run, everyone, waited.last)
  const { writable, writableMs } = await revokeAgain(run, options.revokers)
  const extra = (await options.afterRecovery?.(run)) ?? {}
  if (options.newInstance) everyone.push(await options.newInstance())
  const { lost, lostBy } = await lostRevocations(run, everyone)
  const shown = { ...figures, lost, lostBy, writableMs }
  record(options.name, { ...shown, ...extra })

  const unaffected = run.samples.filter(
    (s) =>
      options.unaffected?.includes(s.instance) && s.path === '/pay' && s.kind === 'fresh' && s.status === 503,
  ).length
  expect({
    errors: figures.errors,
    malformed503: figures.malformed503,
    violations: figures.violations,
    normalFailures: figures.normalFailures,
    propagationAccepted: run.propagation.filter((p) => p.outcome === 'accepted').length,
    unaffected503: unaffected,
    recovered: figures.recoverMs !== undefined,
    lost,
    unhandled,
  }).toEqual({
    errors: 0,
    malformed503: 0,
    violations: 0,
    normalFailures: 0,
    propagationAccepted: 0,
    unaffected503: 0,
    recovered: true,
    lost: 0,
    unhandled: [],
  })
  expect(figures.propagationP99Ms ?? 0).toBeLessThan(PROPAGATION_MS)
  // revoke() works again once the fault is over: the fleet is not only readable but writable.
  expect(writable).toBe(true)
  if (options.expectFailClosed) {
    expect(figures.failClosedMs).toBeDefined()
    expect(figures.failClosedMs!).toBeLessThanOrEqual(FAIL_CLOSED_BOUND_MS + SLACK_MS)
    expect(figures.lateAccepts).toBe(0)
  }
  return { ...figures, lost, run }
}
