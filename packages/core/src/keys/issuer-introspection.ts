import type { ResolvedProfile } from '../profiles/types.js'

/**
 * An issuer's `introspection` config (from a resolver's result or its defaults), checked and
 * completed with the validator's credentials. A `TypeError` names what is wrong.
 */

/** How a trusted issuer's opaque tokens are introspected: checked, with the validator's credentials filled in. */
export interface IssuerIntrospectionConfig {
  /** `undefined`: the `introspection_endpoint` of the issuer's metadata. */
  endpoint: string | undefined
  clientId: string
  clientSecret: string
  clientAuth: 'client_secret_basic' | 'client_secret_post'
}

/** The validator's `introspection` as every issuer's default: whether it is set, and its credentials. */
export interface IntrospectionDefaults {
  clientId: string | undefined
  clientSecret: string | undefined
  clientAuth: 'client_secret_basic' | 'client_secret_post'
}

const INTROSPECTION_KEYS = new Set(['endpoint', 'clientId', 'clientSecret', 'clientAuth'])

/** An issuer's introspection over the validator's credentials; `undefined` when it has none. */
export function checkIssuerIntrospection(
  given: unknown,
  /** `undefined`: a function resolver's defaults, whose issuers' profiles are not known yet. */
  profile: ResolvedProfile | undefined,
  name: string,
  defaults: IntrospectionDefaults | undefined,
  checkEndpoint: (url: string, name: string) => string,
): IssuerIntrospectionConfig | undefined {
  if (given === false) return undefined
  // A provider without RFC 7662 (Auth0, Entra, Cognito): nothing to discover, so no default either.
  if (given === undefined && profile?.introspection === false) return undefined
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given)))
    throw new TypeError(`${name} must be an object or false`)
  if (given !== undefined && defaults === undefined)
    throw new TypeError(`${name} needs the validator's \`introspection\` option`)
  const own = (given ?? {}) as Record<string, unknown>
  for (const key of Object.keys(own)) {
    if (!INTROSPECTION_KEYS.has(key)) throw new TypeError(`${name}.${key} is not an introspection option`)
  }
  const clientId = own.clientId ?? defaults?.clientId
  const clientSecret = own.clientSecret ?? defaults?.clientSecret
  // Absent, and no validator credentials to fall back on: this issuer simply does not introspect.
  if (given === undefined && (clientId === undefined || clientSecret === undefined)) return undefined
  for (const [key, value] of [
    ['clientId', clientId],
    ['clientSecret', clientSecret],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0)
      throw new TypeError(
        `${name}.${key} must be a non-empty string (or set it in the validator's introspection)`,
      )
  }
  const clientAuth = own.clientAuth ?? defaults!.clientAuth
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post')
    throw new TypeError(`${name}.clientAuth must be client_secret_basic or client_secret_post`)
  let endpoint: string | undefined
  if (own.endpoint === undefined && profile?.introspection === false)
    throw new TypeError(
      `${name}.endpoint is required: the ${profile.name} profile's provider has no introspection endpoint to discover`,
    )
  if (own.endpoint !== undefined) {
    if (typeof own.endpoint !== 'string') throw new TypeError(`${name}.endpoint must be a URL string`)
    endpoint = checkEndpoint(own.endpoint, `${name}.endpoint`)
  }
  return { endpoint, clientId: clientId as string, clientSecret: clientSecret as string, clientAuth }
}
