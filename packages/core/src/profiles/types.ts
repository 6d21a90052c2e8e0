/** The identity-provider dialects tokenguard knows (one docs page each under `docs/profiles/`). */
export type ProfileName =
  'rfc9068' | 'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito' | 'hydra' | 'zitadel'

/**
 * A claim location: a claim name (`'scp'`, `'cognito:groups'`, `'https://example.com/roles'`), or a
 * path into nested objects (`['realm_access', 'roles']`). In a path, the segment `'{audience}'`
 * stands for each audience this issuer's tokens are checked against (Keycloak's
 * `resource_access.<client>.roles`, Zitadel's `urn:zitadel:iam:org:project:<id>:roles`).
 */
export type ClaimPath = string | readonly string[]

/**
 * What a provider's access tokens look like. Every field is optional: a profile object
 * `extends` a named profile (default `rfc9068`) and replaces the fields it gives.
 *
 * A profile says where things are; it never switches off signature, algorithm, issuer,
 * audience or expiry checks.
 */
export interface ProfileOptions {
  /** The named profile this one starts from. Default `rfc9068`. */
  extends?: ProfileName
  /**
   * Accepted `typ` header values (RFC 7515 §4.1.9, case-insensitive, `application/` optional);
   * `null` in the list admits a token without `typ`. `jwt.typ`, when given, overrides this.
   */
  typ?: readonly (string | null)[]
  /** Claims that must be present besides `iss`, `exp` and the audience claim (always required). */
  requiredClaims?: readonly string[]
  /** Claims whose string values must be exactly these (Cognito `token_use: access`). */
  claimValues?: Readonly<Record<string, string>>
  /** Where scopes are read from (union of all present; space-separated string or list). */
  scopeClaims?: readonly ClaimPath[]
  /** Where roles are read from (union of all present; a list, a string, or an object's keys). */
  roleClaims?: readonly ClaimPath[]
  /** Claims naming the client, first present wins (`client_id`, `azp`, `cid`, `appid`). */
  clientIdClaims?: readonly string[]
  /** The claim holding the audience: `aud` (RFC 7519 §4.1.3), or `client_id` (Cognito access tokens). */
  audienceClaim?: 'aud' | 'client_id'
}

/** A profile as the strategies use it: complete, checked, per issuer. */
export interface ResolvedProfile {
  name: string
  /** Normalized accepted `typ` values (`null`: no `typ`), or `false` for any. */
  typ: ReadonlySet<string | null> | false
  requiredClaims: readonly string[]
  claimValues: Readonly<Record<string, string>>
  scopeClaims: readonly (readonly string[])[]
  roleClaims: readonly (readonly string[])[]
  clientIdClaims: readonly string[]
  audienceClaim: 'aud' | 'client_id'
  /** The audiences this issuer's tokens must name (aliases already added, e.g. Entra `api://`). */
  audiences: ReadonlySet<string>
  /** Whether the provider has an RFC 7662 introspection endpoint (one to discover). */
  introspection: boolean
}

/** A named profile's fixed facts: the dialect, and what the provider offers and sends. */
export interface ProfileDefinition extends Required<Omit<ProfileOptions, 'extends'>> {
  /** Whether the provider has an RFC 7662 introspection endpoint. */
  introspection: boolean
  /** The provider's issuer spelling, checked at construction: a common cause of "every token 401". */
  issuerShape: 'trailing-slash' | 'no-trailing-slash' | 'entra' | 'any'
  /** Entra: an app id audience also matches its `api://<app id>` URI, and the other way round. */
  appIdUriAliases: boolean
}
