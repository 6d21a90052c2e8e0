import { buildAuthContext } from '../auth-context.js'
import { readBinding } from '../binding-claim.js'
import { TokenError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import type { AuthContext, TokenClaims } from '../types.js'
import type { CheckList } from './report.js'

/** `cnf` (RFC 7800): what a request must carry besides the token; the request itself is not seen. */
export function explainBinding(
  strategy: 'jwt' | 'opaque',
  token: string,
  claims: TokenClaims,
  profile: Parameters<typeof buildAuthContext>[3],
  list: CheckList,
  resolved: ResolvedOptions,
): AuthContext | undefined {
  let binding
  try {
    binding = readBinding(claims)
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : 'invalid_claim'
    list.fail(
      'binding',
      reason,
      'the cnf claim is not one this validator enforces (RFC 7800: jkt or x5t#S256, non-empty strings)',
      'the issuer must bind tokens by DPoP (jkt) or mTLS (x5t#S256), or not at all',
    )
    return undefined
  }
  if (binding?.jkt !== undefined && resolved.dpop === undefined)
    list.fail(
      'binding',
      'binding_mismatch',
      'the token is DPoP-bound (cnf.jkt) and this validator has no dpop option, so it refuses it',
      'set the dpop option and send the token with the DPoP scheme and a proof (RFC 9449)',
    )
  else if (binding === undefined && resolved.dpop?.required)
    list.fail(
      'binding',
      'dpop_required',
      'dpop.required is set and the token is not DPoP-bound',
      'ask for a DPoP-bound token (RFC 9449), or unset dpop.required',
    )
  else if (binding !== undefined)
    list.pass(
      'binding',
      `the token is bound (${[binding.jkt && 'DPoP cnf.jkt', binding.x5tS256 && 'mTLS cnf.x5t#S256'].filter(Boolean).join(' and ')}): ${boundWords(binding)}`,
    )
  else list.pass('binding', 'a bearer token (no cnf)')
  return list.failed === undefined ? buildAuthContext(strategy, token, claims, profile) : undefined
}

/** What a bound token needs besides itself, said plainly: explain sees a token, never a request. */
function boundWords(binding: { jkt?: string; x5tS256?: string }): string {
  const needs = [
    binding.jkt !== undefined &&
      'the DPoP scheme (Authorization: DPoP …) and a DPoP proof signed by the bound key (RFC 9449)',
    binding.x5tS256 !== undefined && 'the client certificate it is bound to, over mutual TLS (RFC 8705)',
  ].filter(Boolean)
  return `every request must also carry ${needs.join(', and ')}. explain sees no request, so it cannot check ${needs.length > 1 ? 'these' : 'this'}: a request without ${needs.length > 1 ? 'them' : 'it'} is refused`
}
