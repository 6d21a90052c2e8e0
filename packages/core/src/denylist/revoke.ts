import { InvalidRequestError, InvalidTokenError } from '../errors.js'
import { checkTokenSyntax } from '../extract.js'
import { inspectToken } from '../jws/decode.js'
import type { ResolvedOptions } from '../options.js'
import type { JwtStrategy } from '../strategies/jwt.js'
import { hasTwoDots } from '../strategies/strategy.js'
import type { TokenClaims } from '../types.js'
import type { Denylist } from './denylist.js'
import {
  entriesForSubject,
  entriesForToken,
  entryForId,
  revocationRequest,
  type RevokeSubjectOptions,
  type RevokeTarget,
} from './revocation.js'

/** `validator.revoke` and `validator.revokeSubject` (TSDoc on `Validator`). */
export function createRevoker(
  resolved: ResolvedOptions,
  jwt: JwtStrategy | undefined,
  denylist: () => Denylist,
) {
  const context = () => ({
    issuers: resolved.issuers,
    nowSeconds: resolved.now() / 1000,
    revocationTtl: resolved.denylist.revocationTtlMs / 1000,
    maxRevocationLifetime: resolved.denylist.maxRevocationLifetimeMs / 1000,
  })

  /**
   * The claims of a token that verifies through the JWT strategy's own path (the JWS kernel, key
   * set, algorithms, issuer allowlist, audience, `typ`), time claims aside; undefined for any token
   * that does not. An outage (the key set cannot be loaded) rejects: a revocation is never
   * silently weaker.
   */
  async function verified(token: string): Promise<TokenClaims | undefined> {
    if (jwt === undefined || token.length > resolved.maxTokenLength || !hasTwoDots(token)) return undefined
    try {
      checkTokenSyntax(token)
      const { jws } = inspectToken(token)
      if (jws === undefined) return undefined
      return (await jwt.verifyFresh(token, '', { checkTime: false, jws })).context.claims
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof InvalidRequestError) return undefined
      throw error
    }
  }

  return {
    async revoke(target: RevokeTarget): Promise<void> {
      const request = revocationRequest(target)
      const entries =
        'id' in request
          ? [entryForId(request.id, context())]
          : entriesForToken(request.token, await verified(request.token), context())
      await denylist().add(entries)
    },
    async revokeSubject(subject: string, options: RevokeSubjectOptions = {}): Promise<void> {
      await denylist().add(entriesForSubject(subject, options, context()))
    },
  }
}
