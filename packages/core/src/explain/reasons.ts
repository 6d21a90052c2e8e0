import type { RejectReason } from '../errors.js'

/**
 * Each refusal reason in a few plain words, for logs and the development-only `error_description`
 * (`exposeErrorReasons`). Nothing here depends on the token: no claim value is ever echoed.
 */
export const REASON_WORDS: Readonly<Record<RejectReason, string>> = {
  missing_token: 'no access token was sent',
  malformed_request: 'the request or its token is malformed',
  multiple_tokens: 'more than one access token was sent',
  token_too_large: 'the token is longer than maxTokenLength',
  unsupported_scheme: 'the Authorization scheme is not Bearer (or DPoP)',
  malformed_token: 'the token is not a well-formed JWS',
  encrypted_token: 'the token is encrypted (JWE); only signed JWTs are validated',
  algorithm_not_allowed: 'the token is signed with an algorithm jwt.algorithms does not allow',
  unknown_key: 'no key in the key set matches the token (kid)',
  bad_signature: 'the signature does not verify',
  expired: 'the token has expired (exp, beyond clockTolerance)',
  not_yet_valid: 'the token is not valid yet (nbf)',
  issued_in_future: 'the token is issued in the future (iat): check the clocks',
  too_old: 'the token is older than jwt.maxTokenAge',
  unknown_issuer: "the token's issuer (iss) is not the issuer option, compared exactly",
  issuer_not_introspected:
    "the token is opaque and its issuer's config has no introspection (issuer resolver: introspection, or the validator's credentials)",
  wrong_audience: "the token's audience (aud) does not name this API (audience option)",
  wrong_type: "the token's typ header is not the one the issuer's profile expects (profile or jwt.typ)",
  missing_claim: "the token lacks a claim the issuer's profile requires",
  invalid_claim: 'a claim of the token has the wrong type or value',
  wrong_strategy: 'a JWT sent to an opaque-only route, or an opaque token to a JWT-only route',
  inactive: 'the authorization server says the token is not active',
  refresh_token: 'a refresh token was sent instead of an access token',
  revoked: 'the token is revoked',
  insufficient_scope: 'the token lacks a scope the route requires',
  insufficient_role: 'the token lacks a role the route requires',
  claims_check_failed: "the route's claims check refused the token",
  keys_unavailable: "the issuer's metadata or key set cannot be loaded",
  issuer_unavailable: 'the issuer resolver failed or timed out deciding whether the issuer is trusted',
  issuer_limit:
    'the issuer resolver has as many issuers with key sets or introspection servers as it may hold (maxIssuers)',
  introspection_unavailable: 'the introspection endpoint cannot be reached or answered badly',
  introspection_unauthorized:
    'the introspection endpoint refused our client credentials (introspection.clientId, clientSecret, clientAuth)',
  denylist_unavailable: 'the denylist store cannot be read',
  internal_error: 'an unexpected fault in validation',
  invalid_dpop_proof: 'the DPoP proof is invalid',
  dpop_replay: 'the DPoP proof was already used',
  dpop_nonce: 'the DPoP proof lacks the server nonce',
  dpop_required: 'dpop.required is set and the token is not DPoP-bound',
  binding_mismatch: 'the token is bound (cnf) to a key or certificate this request does not prove',
  unsupported_binding: "the token's cnf uses a confirmation method this validator cannot enforce",
  insufficient_authentication: 'the authentication behind the token is too weak or too old (acr, auth_time)',
}
