/**
 * A bounded load against a fleet while a fault happens: every `tickMs`, each instance gets a
 * fresh token on `/pay` and `/read` and a revoked one on `/pay`; meanwhile a revoker issues
 * revocations one after another (each token first used on `/pay`, so it sits in the verified
 * cache when it is revoked). The fault is injected at `faultAt` ms and healed at `healAt` ms.
 * Everything is bounded by `durationMs`; the result is the raw record the assertions work on.
 */
import { get, mintToken, request, type Instance } from './fleet'

/** A revocation must have reached every instance this long after revoke() resolved. */
export const PROPAGATION_MS = 1000

export interface Sample {
  instance: string
  path: '/read' | '/pay'
  kind: 'fresh' | 'revoked'
  /** ms since the run started (send and answer). */
  sent: number
  done: number
  status: number
  /** For a revoked token: when its revoke() resolved (ms since the run started). */
  revokedAt?: number
  /** For a 503: it had a Retry-After and the temporarily_unavailable error. */
  wellFormed503?: boolean
}

export interface Revocation {
  token: string
  /** ms since the run started; undefined when revoke() rejected. */
  started: number
  resolved?: number
  rejected?: string
  by: string
}

export interface Propagation {
  instance: string
  /** When revoke() resolved (ms since the run started). */
  resolvedAt: number
  /** From revoke() resolving to the first refusal (or 2 s). */
  ms: number
  /** 401 revoked, 503 (stale mirror: allowed), or still accepted after 2 s. */
  outcome: 'revoked' | 'unavailable' | 'accepted'
}

export interface Run {
  samples: Sample[]
  /** Per revocation and per instance other than the revoker. */
  propagation: Propagation[]
  revocations: Revocation[]
  faultAt: number
  healAt: number | undefined
  durationMs: number
  /** performance.now() at the start: event times convert with `at - t0`. */
  t0: number
}

export interface LoadOptions {
  instances: Instance[]
  /** Who revokes (a healthy instance); one per revocation, round robin. */
  revokers: Instance[]
  durationMs: number
  faultAt: number
  fault: () => unknown
  healAt?: number
  heal?: () => unknown
  tickMs?: number
  /** Pause between revocations (each waits for the previous one). Default 30 ms. */
  revokeEveryMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runLoad(options: LoadOptions): Promise<Run> {
  const tick = options.tickMs ?? 25
  const fresh = await Promise.all(Array.from({ length: 8 }, () => mintToken()))
  const samples: Sample[] = []
  const revocations: Revocation[] = []
  const revoked: Revocation[] = []
  const t0 = performance.now()
  const now = () => performance.now() - t0
  const pending: Promise<unknown>[] = []

  const probe = (
    instance: Instance,
    path: '/read' | '/pay',
    kind: Sample['kind'],
    token: string,
    revokedAt?: number,
  ) => {
    const sent = now()
    const p = request(instance, path, token).then(({ status, wellFormed503 }) => {
      samples.push({
        instance: instance.name,
        path,
        kind,
        sent,
        done: now(),
        status,
        revokedAt,
        wellFormed503,
      })
    })
    pending.push(p)
  }

  const propagation: Propagation[] = []
  /** How long until `instance` refuses the token (401) or fails closed (503); 2 s at most. */
  const watchPropagation = async (instance: Instance, revocation: Revocation) => {
    const from = revocation.resolved!
    while (now() - from < 2000) {
      const outcome = await instance.validator.verify(revocation.token, { sensitive: true }).then(
        () => undefined,
        (error: { reason?: string }) => (error.reason === 'revoked' ? 'revoked' : 'unavailable'),
      )
      if (outcome)
        return propagation.push({ instance: instance.name, resolvedAt: from, ms: now() - from, outcome })
      await sleep(2)
    }
    propagation.push({ instance: instance.name, resolvedAt: from, ms: now() - from, outcome: 'accepted' })
  }

  let healAt: number | undefined
  const timeline = (async () => {
    await sleep(options.faultAt)
    await options.fault()
    if (options.healAt !== undefined && options.heal) {
      await sleep(Math.max(0, options.healAt - now()))
      healAt = now()
      await options.heal()
    }
  })()
  const faultAt = options.faultAt

  const revoker = (async () => {
    let n = 0
    while (now() < options.durationMs - 200) {
      const by = options.revokers[n++ % options.revokers.length]!
      const token = await mintToken()
      await get(by, '/pay', token)
      const revocation: Revocation = { token, started: now(), by: by.name }
      revocations.push(revocation)
      try {
        await by.validator.revoke(token)
        revocation.resolved = now()
        revoked.push(revocation)
        for (const other of options.instances) {
          if (other !== by) pending.push(watchPropagation(other, revocation))
        }
      } catch (error) {
        revocation.rejected = String((error as Error).message ?? error)
      }
      await sleep(options.revokeEveryMs ?? 30)
    }
  })()

  let i = 0
  while (now() < options.durationMs) {
    for (const instance of options.instances) {
      probe(instance, '/pay', 'fresh', fresh[i % fresh.length]!)
      probe(instance, '/read', 'fresh', fresh[(i + 1) % fresh.length]!)
      // The latest revocation (propagation), the newest one past the propagation bound (the
      // first a stale mirror would wrongly accept) and a random older one (nothing forgotten).
      const latest = revoked.at(-1)
      const due = revoked.findLast((r) => r.resolved! < now() - PROPAGATION_MS - 50)
      const older = revoked.length > 1 ? revoked[(i * 7) % (revoked.length - 1)] : undefined
      for (const r of [latest, due, older]) if (r) probe(instance, '/pay', 'revoked', r.token, r.resolved)
    }
    i++
    await sleep(tick)
  }
  await Promise.all([timeline, revoker])
  await Promise.all(pending)
  return { samples, revocations, propagation, faultAt, healAt, durationMs: options.durationMs, t0 }
}
