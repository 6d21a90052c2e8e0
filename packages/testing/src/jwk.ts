/**
 * A JSON Web Key as the test issuer publishes it (RFC 7517 §4; key members of RFC 7518 §6 and RFC 8037 §2).
 * Declared here rather than imported from jose: jose is ESM-only, and a type import from it in our
 * declaration files breaks TypeScript projects compiled to CommonJS (TS1479). jose's `JWK` and
 * `exportJWK()` results are assignable to it, and it to `@tokenguard/core`'s `Jwk`.
 */
export interface Jwk {
  kty?: string
  kid?: string
  use?: string
  key_ops?: string[]
  alg?: string
  ext?: boolean
  x5u?: string
  x5c?: string[]
  x5t?: string
  'x5t#S256'?: string
  crv?: string
  x?: string
  y?: string
  d?: string
  n?: string
  e?: string
  p?: string
  q?: string
  dp?: string
  dq?: string
  qi?: string
  oth?: Array<{ r?: string; d?: string; t?: string }>
  k?: string
  pub?: string
  priv?: string
}
