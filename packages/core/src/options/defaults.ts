/**
 * Every default of the validator's options, in the unit the option is given in (durations in
 * seconds unless named `…Ms`, sizes in bytes or characters). The options modules resolve these
 * once; internals receive resolved values (durations in milliseconds, named `…Ms`).
 */
export const DEFAULTS = {
  /** Leeway for `exp`, `nbf`, `iat` (JWT) and `exp`, `nbf` (introspection answers), in seconds. */
  clockTolerance: 5,
  maxTokenLength: 8192,
  jwt: {
    cacheMax: 10_000,
    keySet: {
      cacheMaxAge: 600,
      cooldown: 30,
      staleIfError: 3600,
      timeoutMs: 3000,
      maxResponseBytes: 262_144,
      /** Not an option: a fetched set with more keys than this is refused as a whole. */
      maxKeys: 100,
    },
  },
  introspection: {
    timeoutMs: 3000,
    cacheMaxAge: 300,
    inactiveCacheMaxAge: 10,
    defaultCacheMaxAge: 30,
    cacheMax: 10_000,
    maxResponseBytes: 65_536,
  },
  /** Issuer metadata documents (RFC 8414, OIDC discovery): not options, bounds on fetched data. */
  discovery: { maxResponseBytes: 65_536 },
  dpop: { maxAge: 60, nonceLifetime: 300 },
  denylist: { maxStaleness: 5, revocationTtl: 86_400, maxRevocationLifetime: 604_800 },
  setReceiver: {
    algorithms: ['RS256', 'ES256'] as readonly string[],
    revocationTtl: 86_400,
    replayCacheSize: 10_000,
    maxBodyBytes: 65_536,
    clockTolerance: 60,
  },
} as const
