// The performance targets, as rows that print met or missed with the margin (never as timed
// tests: a loaded machine must not fail a build). `value` and `bound` are in the row's unit;
// `higher` says which side of the bound is good.

function target(list, name, framework, detail, value, bound, higher, unit = '×') {
  if (value === undefined || !Number.isFinite(value)) return
  const met = higher ? value >= bound : value <= bound
  // Margin: how far past the bound (positive) or short of it (negative), as a share of the bound.
  const margin = higher ? value / bound - 1 : 1 - value / bound
  list.push({ target: name, framework, detail, value, bound, unit, met, margin })
}

export function computeTargets({ results = [], micro, propagation }) {
  const out = []
  const get = (fw, id) => results.find((r) => r.id === `${fw}/${id}` && !r.skipped)
  for (const fw of ['express', 'koa', 'fastify']) {
    const floor = get(fw, 'floor')
    for (const alg of ['RS256', 'ES256']) {
      const row = get(fw, `jwt-${alg}-repeated`)
      if (row && floor)
        target(
          out,
          'repeated JWT >= 0.97x hook floor (server CPU/request)',
          fw,
          `jwt ${alg}: floor ${floor.cpuPerRequest.toFixed(1)} µs / ours ${row.cpuPerRequest.toFixed(1)} µs`,
          floor.cpuPerRequest / row.cpuPerRequest,
          0.97,
          true,
        )
    }
    const peers = results.filter(
      (r) => r.framework === fw && r.impl === 'peer' && r.workload === 'distinct' && !r.skipped,
    )
    const best = [...peers].sort((a, b) => b.rps - a.rps)[0]
    const cold = get(fw, 'jwt-RS256-distinct')
    if (best && cold)
      target(
        out,
        'cold JWT over HTTP >= 1.3x best peer (req/s)',
        fw,
        `jwt RS256 distinct / ${best.id.split('/')[1]}`,
        cold.rps / best.rps,
        1.3,
        true,
      )
    const nocache = get(fw, 'jwt-RS256-distinct-nocache')
    if (cold && nocache)
      target(
        out,
        'never-hitting verified-token cache <= 1.03x cache off (server CPU/request)',
        fw,
        `${cold.cpuPerRequest.toFixed(1)} / ${nocache.cpuPerRequest.toFixed(1)} µs`,
        cold.cpuPerRequest / nocache.cpuPerRequest,
        1.03,
        false,
      )
    const opaqueCold = get(fw, 'opaque-nocache-distinct')
    const hand = get(fw, 'handwritten-distinct')
    if (opaqueCold && hand)
      target(
        out,
        'opaque, no cache, distinct >= 0.95x hand-written call (req/s)',
        fw,
        'opaque cache off / hand-written, distinct',
        opaqueCold.rps / hand.rps,
        0.95,
        true,
      )
    const opaqueCached = get(fw, 'opaque-cache-repeated')
    const jwtRepeated = get(fw, 'jwt-RS256-repeated')
    if (opaqueCached && jwtRepeated)
      target(
        out,
        'opaque with cache within 5% of repeated JWT (server CPU/request)',
        fw,
        `${opaqueCached.cpuPerRequest.toFixed(1)} / ${jwtRepeated.cpuPerRequest.toFixed(1)} µs`,
        opaqueCached.cpuPerRequest / jwtRepeated.cpuPerRequest,
        1.05,
        false,
      )
    const redis = get(fw, 'sensitive-redis')
    if (redis && jwtRepeated)
      target(
        out,
        'sensitive route on Redis within 5% of no denylist (server CPU/request)',
        fw,
        `${redis.cpuPerRequest.toFixed(1)} / ${jwtRepeated.cpuPerRequest.toFixed(1)} µs`,
        redis.cpuPerRequest / jwtRepeated.cpuPerRequest,
        1.05,
        false,
      )
  }
  if (micro?.results) {
    const us = (name) => micro.results.find((r) => r.name === name)?.usPerCall
    for (const [alg, bound] of [
      ['RS256', 1.25],
      ['ES256', 1.15],
    ]) {
      const ours = us(`tokenguard-cold-${alg}`)
      const floor = us(`crypto.verify-${alg}`)
      if (ours && floor)
        target(
          out,
          `cold JWT in process <= ${bound}x crypto.verify alone`,
          'in-process',
          `${alg}: ${ours.toFixed(1)} / ${floor.toFixed(1)} µs`,
          ours / floor,
          bound,
          false,
        )
      const off = us(`tokenguard-cold-nocache-${alg}`)
      if (ours && off)
        target(
          out,
          'never-hitting verified-token cache <= 1.03x cache off',
          'in-process',
          `${alg}: ${ours.toFixed(1)} / ${off.toFixed(1)} µs`,
          ours / off,
          1.03,
          false,
        )
    }
  }
  if (propagation && !propagation.skipped)
    target(
      out,
      'revocation propagation p99 < 50 ms',
      'express',
      `${propagation.count} revocations`,
      propagation.p99,
      50,
      false,
      ' ms',
    )
  return out
}

export function renderTargets(list) {
  const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2))
  return list
    .map((t) => {
      const margin = `${t.margin >= 0 ? '+' : ''}${(t.margin * 100).toFixed(0)}%`
      return `- ${t.met ? 'met   ' : 'MISSED'} ${t.target} [${t.framework}] ${t.detail}: ${fmt(t.value)}${t.unit} (bound ${t.bound}${t.unit.trim()}, margin ${margin})`
    })
    .join('\n')
}
