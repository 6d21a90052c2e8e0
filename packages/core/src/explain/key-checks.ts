import { TokenError } from '../errors.js'
import type { VerificationKey } from '../keys/key-set.js'
import { CheckList, quote } from './report.js'
import type { ExplainDeps, TrustedIssuer } from './wiring.js'

/** Metadata (when keys are discovered), the key set, and the key the header selects. */
export async function explainKeys(
  header: Record<string, unknown>,
  issuer: string,
  trusted: TrustedIssuer,
  list: CheckList,
  deps: ExplainDeps,
): Promise<VerificationKey | undefined> {
  const keySource = deps.keySource!
  // Static issuers share the validator's metadata cache; a resolver's issuers keep their own.
  if (keySource.kind === 'discovery' && deps.resolved.profiles.has(issuer)) {
    try {
      const metadata = await deps.metadata.metadataFor(issuer).get()
      list.pass('metadata', `the issuer's metadata names jwks_uri ${quote(metadata.jwks_uri)}`)
    } catch (error) {
      list.fail(
        'metadata',
        'keys_unavailable',
        `the issuer's metadata could not be loaded (RFC 8414 / OpenID discovery): ${causeOf(error)}`,
        'check that the issuer URL is exact and reachable from here, or set jwt.jwksUri',
      )
      list.skip('keys', 'the key set is found through the metadata')
      return undefined
    }
  }
  const source =
    keySource.kind === 'jwksUri'
      ? `jwt.jwksUri ${JSON.stringify(keySource.uri)}`
      : keySource.kind === 'discovery'
        ? 'the discovered jwks_uri'
        : `jwt.${keySource.kind}`
  const keySet = trusted.keySet
  try {
    await keySet.ready()
  } catch (error) {
    list.fail(
      'keys',
      error instanceof TokenError ? error.reason : 'keys_unavailable',
      `the key set from ${source} could not be loaded: ${causeOf(error)}`,
      'check that the key set URL answers with a JWK Set from this host (keySet.timeout, proxies, TLS)',
    )
    return undefined
  }
  list.pass('keys', `the key set from ${source} is loaded`)
  try {
    const key = await keySet.getKey(header)
    list.pass('kid', `a key fits kid ${quote(header.kid)} and alg ${quote(header.alg)}`)
    return key
  } catch (error) {
    if (error instanceof TokenError && error.status === 503) {
      list.fail(
        'kid',
        error.reason,
        `the key set could not be refreshed to find kid ${quote(header.kid)}: ${causeOf(error)}`,
      )
    } else if (
      !(error instanceof TokenError) &&
      !String((error as { code?: unknown })?.code).startsWith('ERR_')
    ) {
      // As in the JWT strategy: only jose's verdicts blame the token; anything else is our fault.
      list.fail('kid', 'internal_error', 'selecting the key failed unexpectedly')
    } else {
      list.fail(
        'kid',
        'unknown_key',
        `no key in the key set from ${source} fits kid ${quote(header.kid)} and alg ${quote(header.alg)}`,
        'the token was signed by a key this issuer does not publish: another tenant or environment, or a key set option (jwt.jwksUri, jwt.jwks) that points elsewhere',
      )
    }
    return undefined
  }
}

export function causeOf(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (!(current instanceof TokenError) && current.message !== '') return current.message
    current = current.cause
  }
  return error instanceof Error ? error.message : String(error)
}
