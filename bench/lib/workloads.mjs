// The HTTP scenarios: which server (framework, how the token is checked) under which token
// workload. `repeated` sends one token; `distinct` rotates a pool larger than every cache.

export const FRAMEWORKS = ['express', 'koa', 'fastify']

const PEERS = {
  express: ['express-jwt', 'express-oauth2-jwt-bearer'],
  koa: ['koa-jwt'],
  fastify: ['@fastify/jwt'],
}
const PEER_LABEL = {
  'express-jwt': 'express-jwt + jwks-rsa',
  'express-oauth2-jwt-bearer': 'express-oauth2-jwt-bearer (auth0)',
  'koa-jwt': 'koa-jwt + jwks-rsa',
  '@fastify/jwt': '@fastify/jwt + get-jwks',
}

/** Every scenario: id, label, framework, server config, the token workload. */
export function allScenarios() {
  const rows = []
  for (const framework of FRAMEWORKS) {
    const add = (id, scenario, server, workload) =>
      rows.push({ id: `${framework}/${id}`, framework, scenario, server: { framework, ...server }, workload })
    for (const mode of ['repeated', 'distinct']) {
      const suffix = mode === 'repeated' ? '' : '-distinct'
      add(`bare${suffix}`, `bare framework, ${mode}`, { kind: 'bare' }, { token: 'jwt-RS256', mode })
      add(
        `floor${suffix}`,
        `hook floor (async hook, Map lookup, auth set), ${mode}`,
        { kind: 'floor' },
        { token: 'jwt-RS256', mode },
      )
    }
    for (const alg of ['RS256', 'ES256']) {
      for (const mode of ['repeated', 'distinct']) {
        add(
          `jwt-${alg}-${mode}`,
          `tokenguard jwt ${alg}, ${mode}`,
          { kind: 'tokenguard', strategy: 'jwt' },
          { token: `jwt-${alg}`, mode },
        )
      }
    }
    add(
      'jwt-RS256-distinct-nocache',
      'tokenguard jwt RS256, distinct, verified-token cache off',
      { kind: 'tokenguard', strategy: 'jwt', jwtCache: false },
      { token: 'jwt-RS256', mode: 'distinct' },
    )
    add(
      'hybrid-jwt-repeated',
      'tokenguard hybrid (JWT RS256), repeated',
      { kind: 'tokenguard', strategy: 'hybrid' },
      { token: 'jwt-RS256', mode: 'repeated' },
    )
    add(
      'hybrid-opaque-repeated',
      'tokenguard hybrid (opaque, cache on), repeated',
      { kind: 'tokenguard', strategy: 'hybrid' },
      { token: 'opaque', mode: 'repeated' },
    )
    add(
      'opaque-cache-repeated',
      'tokenguard opaque, cache on, repeated',
      { kind: 'tokenguard', strategy: 'opaque' },
      { token: 'opaque', mode: 'repeated' },
    )
    for (const mode of ['repeated', 'distinct']) {
      add(
        `opaque-nocache-${mode}`,
        `tokenguard opaque, cache off, ${mode}`,
        { kind: 'tokenguard', strategy: 'opaque', cache: false },
        { token: 'opaque', mode },
      )
      add(
        `handwritten-${mode}`,
        `hand-written introspection call, ${mode}`,
        { kind: 'handwritten' },
        { token: 'opaque', mode },
      )
    }
    for (const store of ['memory', 'redis']) {
      add(
        `sensitive-${store}`,
        `tokenguard jwt RS256 sensitive, denylist ${store === 'redis' ? 'RedisStore' : 'MemoryStore'}, repeated`,
        { kind: 'tokenguard', strategy: 'jwt', sensitive: true, store },
        { token: 'jwt-RS256', mode: 'repeated' },
      )
    }
    for (const peer of PEERS[framework]) {
      for (const mode of ['repeated', 'distinct']) {
        add(
          `peer-${peer.replace(/[@/]/g, '')}-${mode}`,
          `${PEER_LABEL[peer]} RS256, ${mode}`,
          { kind: peer },
          { token: 'jwt-RS256', mode },
        )
      }
    }
  }
  for (const row of rows) {
    const { kind } = row.server
    row.impl = ['bare', 'floor', 'tokenguard', 'handwritten'].includes(kind) ? kind : 'peer'
    row.alg = row.workload.token.startsWith('jwt-') ? row.workload.token.slice(4) : 'opaque'
  }
  return rows
}

/** --quick: every kind of scenario at least once (all of them on Express). */
const QUICK_IDS = new Set([
  ...[
    'bare',
    'floor',
    'floor-distinct',
    'jwt-RS256-repeated',
    'jwt-RS256-distinct',
    'jwt-RS256-distinct-nocache',
    'hybrid-jwt-repeated',
    'opaque-cache-repeated',
    'opaque-nocache-distinct',
    'handwritten-distinct',
    'sensitive-memory',
    'sensitive-redis',
    'peer-express-jwt-distinct',
    'peer-express-oauth2-jwt-bearer-distinct',
  ].map((id) => `express/${id}`),
  ...['floor', 'jwt-RS256-repeated', 'peer-koa-jwt-repeated'].map((id) => `koa/${id}`),
  ...['floor', 'jwt-RS256-repeated', 'peer-fastifyjwt-repeated'].map((id) => `fastify/${id}`),
])

export function selectScenarios({ quick, only, profile }) {
  let rows = allScenarios()
  if (profile) return rows.filter((row) => row.id === profile)
  if (quick) rows = rows.filter((row) => QUICK_IDS.has(row.id))
  // A comma-separated list of id substrings.
  if (only) rows = rows.filter((row) => only.split(',').some((part) => row.id.includes(part)))
  return rows
}
