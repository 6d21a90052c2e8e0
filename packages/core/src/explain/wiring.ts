import type { AuthContext } from '../types.js'
import { compileGuards, type ExplainOptions } from './guard-checks.js'
import { introspectionTargets, type FindTarget } from './introspection-target.js'
import type { IssuerMetadata } from '../keys/issuer-key-sets.js'
import type { KeySet } from '../keys/key-set.js'
import type { ResolvedOptions } from '../options.js'
import { compileRoute } from '../route.js'
import type { Strategies } from '../strategies/index.js'
import type { ResolvedProfile } from '../profiles/types.js'

/**
 * Everything `explain` reads from a validator, gathered here so the checks depend on plain values
 * and on the strategies' own seams, never on how the options are stored.
 */
export interface ExplainDeps {
  resolved: ResolvedOptions
  route: ExplainRoute
  /** The JWT strategy's issuer seam: a trusted issuer's profile, algorithms and key set. */
  resolveIssuer: ((iss: string) => TrustedIssuer | undefined | Promise<TrustedIssuer | undefined>) | undefined
  /** Where keys come from, for the report: a secret, a local set, a URL, or discovery. */
  keySource: { kind: 'secret' | 'jwks' | 'discovery' } | { kind: 'jwksUri'; uri: string } | undefined
  metadata: IssuerMetadata
  time: { clockToleranceSeconds: number; maxTokenAgeSeconds: number | undefined; requiredClaims: string[] }
  /** Where a token of an issuer is introspected (with a resolver, per issuer), or why it cannot be. */
  introspectionTarget: FindTarget | undefined
  /** With an issuer resolver: the issuer of an opaque token, as `explain(token, { issuer })` names it. */
  issuer: string | undefined
  /** The route's guards (`scopes`, `roles`, …), run on the auth context the token would get. */
  guards: ReturnType<typeof compileGuards>['guards']
  /** The denylist check of sensitive routes (read only: it never records anything). */
  checkDenylist: (context: AuthContext) => Promise<void> | undefined
}

export interface ExplainRoute {
  strategy: 'jwt' | 'opaque' | 'hybrid'
  sensitive: boolean
  introspectJwt: boolean
}

export interface TrustedIssuer {
  profile: ResolvedProfile
  algorithms: readonly string[]
  keySet: KeySet
}

export interface ValidatorParts {
  resolved: ResolvedOptions
  strategies: Strategies
  metadata: IssuerMetadata
  checkDenylist: ExplainDeps['checkDenylist']
}

/** Builds the deps of one `explain` call; the route options are checked as `route()` checks them. */
export function explainDeps(parts: ValidatorParts, options: ExplainOptions | undefined): ExplainDeps {
  const { resolved, metadata } = parts
  const { route: routeOptions, guards, issuer } = compileGuards(options, resolved.now)
  if (issuer !== undefined && resolved.issuerResolver === undefined)
    throw new TypeError(
      "explain: `issuer` names an opaque token's issuer for an issuer resolver; this validator lists its issuers",
    )
  // Checked as route() checks it; the compiled check itself is not used (it would cache).
  const route = compileRoute({ ...routeOptions, optional: false }, resolved, parts.strategies)
  const jwt = resolved.jwt
  const keySets = parts.strategies.keySets
  return {
    resolved,
    route: {
      strategy: route.strategy,
      sensitive: route.sensitive,
      introspectJwt: routeOptions?.introspectJwt === true,
    },
    resolveIssuer: keySets === undefined ? undefined : (iss) => keySets.resolve(iss),
    keySource:
      jwt === undefined
        ? undefined
        : jwt.secret !== undefined
          ? { kind: 'secret' }
          : jwt.jwks !== undefined
            ? { kind: 'jwks' }
            : jwt.jwksUri !== undefined
              ? { kind: 'jwksUri', uri: jwt.jwksUri }
              : { kind: 'discovery' },
    metadata,
    time: {
      clockToleranceSeconds: resolved.clockToleranceMs / 1000,
      maxTokenAgeSeconds: jwt?.maxTokenAgeMs === undefined ? undefined : jwt.maxTokenAgeMs / 1000,
      requiredClaims: jwt?.requiredClaims ?? [],
    },
    introspectionTarget: introspectionTargets(resolved, metadata, parts.strategies.resolution),
    issuer,
    guards,
    checkDenylist: parts.checkDenylist,
  }
}
