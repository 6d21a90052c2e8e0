// Signing keys and access tokens (RFC 9068: typ at+jwt, iss, aud, sub, client_id, jti, iat, exp,
// scope) signed with jose. Large pools are signed on worker threads (an RS256 signature costs ~1.5 ms).
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose'

export const AUDIENCE = 'https://api.example.test/bench'
export const API_CLIENT = { id: 'api', secret: 'api-secret' }
export const OPAQUE_PREFIX = 'op_'

/** One key pair per algorithm: private JWKs (for the signers) and the public JWKS. */
export async function createKeys() {
  const keys = {}
  for (const alg of ['RS256', 'ES256']) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const kid = `bench-${alg.toLowerCase()}`
    keys[alg] = {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    }
  }
  return { keys, jwks: { keys: Object.values(keys).map((k) => k.publicJwk) } }
}

export async function signToken(key, alg, issuer, n, lifetimeSeconds = 7200) {
  const privateKey = await importJWK(key.privateJwk, alg)
  return signWith(privateKey, key.kid, alg, issuer, n, lifetimeSeconds)
}

export function signWith(privateKey, kid, alg, issuer, n, lifetimeSeconds = 7200) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ scope: 'items:read payments:write', client_id: 'client' })
    .setProtectedHeader({ alg, typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject(`user-${n}`)
    .setJti(`${alg}-${n}-${randomBytes(6).toString('hex')}`)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(privateKey)
}

/** `count` distinct tokens, signed on up to `os.availableParallelism()` worker threads. */
export async function signPool(key, alg, issuer, count) {
  const workers = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8))
  const per = Math.ceil(count / workers)
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = w * per
      const to = Math.min(count, from + per)
      if (to <= from) return []
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
          workerData: { key, alg, issuer, from, to },
        })
        worker.once('message', resolve)
        worker.once('error', reject)
      })
    }),
  )
  return parts.flat()
}

/** Opaque tokens the loopback introspection endpoint calls active. */
export function opaqueToken() {
  return OPAQUE_PREFIX + randomBytes(24).toString('base64url')
}
