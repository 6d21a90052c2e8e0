// A/B of the JWS kernel's signature backend on the JWT strategy's own path (key set, pinned
// algorithms, issuer allowlist, profile claims): node:crypto on KeyObjects (jws/signature.ts, the
// shipped backend) against jose `compactVerify`. Cold: distinct tokens, each a verified-cache miss
// and a signature check; repeated: one token, served by the verified-token cache. Runs on the core
// sources through tsx:
//   pnpm bench:kernel            (node --import tsx bench/micro/kernel-ab.mjs [--count N] [--rounds R])
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { compactVerify } from 'jose'
import { AUDIENCE, createKeys, signToken } from '../lib/tokens.mjs'
import { resolveOptions } from '../../packages/core/src/options.ts'
import { createLocalKeySet } from '../../packages/core/src/keys/local-key-set.ts'
import { createJwtStrategy } from '../../packages/core/src/strategies/jwt.ts'
import { nodeBackend } from '../../packages/core/src/jws/verify.ts'

const { values } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } },
})
const count = Number(values.count)
const rounds = Number(values.rounds)
const ISSUER = 'https://issuer.bench.test/'

/** jose's whole compact verification (it decodes and checks the header again, then WebCrypto). */
const joseBackend = async (_decoded, alg, key, token) => {
  const compact =
    typeof token === 'string' ? token : `${token.headerPart}.${token.payloadPart}.${token.signaturePart}`
  await compactVerify(compact, key, { algorithms: [alg] })
}
const BACKENDS = { 'node:crypto': nodeBackend, 'jose compactVerify': joseBackend }

function strategyWith(alg, jwks, signatureBackend) {
  const resolved = resolveOptions({ issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: [alg], jwks } })
  // The key set takes what the options checked and resolved, as the validator hands it over.
  const keySet = createLocalKeySet(resolved.jwt.jwks, { algorithms: resolved.jwt.algorithms })
  return createJwtStrategy({
    jwt: resolved.jwt,
    issuers: resolved.issuers,
    audiences: resolved.audiences,
    scopeClaim: undefined,
    resolveIssuer: (issuer) =>
      issuer === ISSUER
        ? { profile: resolved.profiles.get(ISSUER), algorithms: resolved.jwt.algorithms, keySet }
        : undefined,
    now: Date.now,
    emit: () => {},
    signatureBackend,
  })
}

async function measure(alg, jwks, backend, tokens) {
  await strategyWith(alg, jwks, backend).verify(tokens[0]) // key import, JIT
  const strategy = strategyWith(alg, jwks, backend)
  let started = performance.now()
  for (const token of tokens) await strategy.verify(token)
  const cold = ((performance.now() - started) * 1000) / tokens.length
  const repeats = tokens.length * 10
  started = performance.now()
  for (let i = 0; i < repeats; i++) await strategy.verify(tokens[0])
  const repeated = ((performance.now() - started) * 1000) / repeats
  return { cold, repeated }
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

const { keys, jwks } = await createKeys()
const rows = []
for (const alg of ['RS256', 'ES256']) {
  const tokens = []
  for (let n = 0; n < count; n++) tokens.push(await signToken(keys[alg], alg, ISSUER, n))
  const results = Object.fromEntries(Object.keys(BACKENDS).map((name) => [name, { cold: [], repeated: [] }]))
  // Rounds interleave the backends so drift on the machine hits both alike.
  for (let round = 0; round < rounds; round++) {
    for (const [name, backend] of Object.entries(BACKENDS)) {
      const { cold, repeated } = await measure(alg, jwks, backend, tokens)
      results[name].cold.push(cold)
      results[name].repeated.push(repeated)
    }
  }
  for (const [name, { cold, repeated }] of Object.entries(results)) {
    rows.push({ alg, backend: name, coldUs: median(cold), repeatedUs: median(repeated) })
  }
}
console.log(`kernel A/B, ${count} tokens, median of ${rounds} rounds (µs per verification)`)
console.log('| alg | backend | cold µs | repeated µs |')
console.log('| --- | --- | --: | --: |')
for (const row of rows)
  console.log(`| ${row.alg} | ${row.backend} | ${row.coldUs.toFixed(1)} | ${row.repeatedUs.toFixed(2)} |`)
