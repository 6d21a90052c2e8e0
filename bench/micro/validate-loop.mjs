// Cold and repeated validation through createValidator, on the core sources (run with tsx):
//   node --import tsx bench/micro/validate-loop.mjs [--count N]
// Cold: N distinct tokens (each misses the verified-token cache and checks a signature).
// Repeated: one token N×10 times (verified-token cache hits). Prints µs per validation.
// CORE_SRC=/abs/path/to/packages/core/src/index.ts measures another checkout (before/after).
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { AUDIENCE, createKeys, signToken } from '../lib/tokens.mjs'
const { createValidator } = await import(process.env.CORE_SRC ?? '../../packages/core/src/index.ts')

const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' } } })
const count = Number(values.count)
const ISSUER = 'https://issuer.bench.test/'

async function measureValidator(alg, jwks, tokens) {
  const warm = createValidator({ issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: [alg], jwks } })
  for (const token of tokens.slice(0, 200)) await warm.verify(token) // JIT, before the measured validator
  const fresh = createValidator({ issuer: ISSUER, audience: AUDIENCE, jwt: { algorithms: [alg], jwks } })
  let started = performance.now()
  for (const token of tokens) await fresh.verify(token)
  const cold = ((performance.now() - started) * 1000) / tokens.length
  const one = tokens[0]
  const repeats = tokens.length * 10
  started = performance.now()
  for (let i = 0; i < repeats; i++) await fresh.verify(one)
  const repeated = ((performance.now() - started) * 1000) / repeats
  return { cold, repeated }
}

async function main() {
  const { keys, jwks } = await createKeys()
  for (const alg of ['RS256', 'ES256']) {
    const tokens = []
    for (let n = 0; n < count; n++) tokens.push(await signToken(keys[alg], alg, ISSUER, n))
    const { cold, repeated } = await measureValidator(alg, jwks, tokens)
    console.log(`${alg}  cold ${cold.toFixed(1)} µs/op  repeated ${repeated.toFixed(2)} µs/op  (n=${count})`)
  }
}

await main()
