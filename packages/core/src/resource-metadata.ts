import { DEFAULT_DPOP_ALGORITHMS } from './dpop/algorithms.js'
import type { DpopOptions } from './options.js'
import { isLoopback } from './url-rules.js'

export interface ResourceMetadataInput {
  /** The protected resource's identifier (its audience), an https URL. */
  resource: string
  /** Issuers whose tokens the resource accepts. */
  authorizationServers: readonly string[]
  scopesSupported?: readonly string[]
  /** Where tokens may be sent (RFC 6750 §2): default `['header']`. */
  bearerMethodsSupported?: ReadonlyArray<'header' | 'body' | 'query'>
  /** The DPoP options, when the resource accepts DPoP proofs. */
  dpop?: Pick<DpopOptions, 'algorithms' | 'required'>
  resourceName?: string
  resourceDocumentation?: string
  /** Set when every token must be certificate-bound (RFC 8705). */
  tlsClientCertificateBoundAccessTokens?: boolean
}

/**
 * The protected resource metadata document (RFC 9728 §2), to serve at
 * `/.well-known/oauth-protected-resource`; pair it with the validator's `resourceMetadata` option
 * so every challenge points clients at it.
 */
export function protectedResourceMetadata(input: ResourceMetadataInput): Record<string, unknown> {
  const resource =
    typeof input?.resource === 'string' && URL.canParse(input.resource) ? new URL(input.resource) : undefined
  if (resource === undefined)
    throw new TypeError('protectedResourceMetadata: `resource` must be an absolute URL')
  // RFC 9728 §1.2: the resource identifier is an https URL without a fragment (http on loopback for development).
  const secure =
    resource.protocol === 'https:' || (resource.protocol === 'http:' && isLoopback(resource.hostname))
  if (!secure || input.resource.includes('#')) {
    throw new TypeError('protectedResourceMetadata: `resource` must be an https URL without a fragment')
  }
  const document: Record<string, unknown> = {
    resource: input.resource,
    authorization_servers: [...input.authorizationServers],
    bearer_methods_supported: [...(input.bearerMethodsSupported ?? ['header'])],
  }
  if (input.scopesSupported !== undefined) document.scopes_supported = [...input.scopesSupported]
  if (input.dpop !== undefined) {
    document.dpop_signing_alg_values_supported = [...(input.dpop.algorithms ?? DEFAULT_DPOP_ALGORITHMS)]
    if (input.dpop.required === true) document.dpop_bound_access_tokens_required = true
  }
  if (input.tlsClientCertificateBoundAccessTokens === true)
    document.tls_client_certificate_bound_access_tokens = true
  if (input.resourceName !== undefined) document.resource_name = input.resourceName
  if (input.resourceDocumentation !== undefined) document.resource_documentation = input.resourceDocumentation
  return document
}
