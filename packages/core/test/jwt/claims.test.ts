import { checkClaimTypes, checkTimeClaims } from '../../src/jwt/claims'
import type { TokenClaims } from '../../src/types'

const NOW = 1_700_000_000
const rules = { clockTolerance: 5, maxTokenAge: undefined }

function reasonOf(run: () => void): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return (error as { reason: string }).reason
  }
}

describe('checkClaimTypes', () => {
  it.each<[string, TokenClaims]>([
    ['exp as a string', { exp: '1700000000' as unknown as number }],
    ['exp absurdly large', { exp: 1e300 }],
    ['exp negative', { exp: -1 }],
    ['nbf as a string', { exp: NOW, nbf: '1' as unknown as number }],
    ['iat as an object', { exp: NOW, iat: {} as unknown as number }],
    ['sub as a number', { exp: NOW, sub: 1 as unknown as string }],
    ['iss as an array', { exp: NOW, iss: ['a'] as unknown as string }],
    ['jti as a number', { exp: NOW, jti: 1 as unknown as string }],
    ['client_id as null', { exp: NOW, client_id: null as unknown as string }],
    ['aud with a number inside', { exp: NOW, aud: ['a', 1] as unknown as string[] }],
    ['scope as a number', { exp: NOW, scope: 1 as unknown as string }],
    ['scp as an object', { exp: NOW, scp: { a: 1 } }],
  ])('rejects %s', (_, claims) => {
    expect(reasonOf(() => checkClaimTypes(claims))).toBe('invalid_claim')
  })

  it('accepts well-typed claims', () => {
    expect(
      reasonOf(() =>
        checkClaimTypes({
          exp: NOW,
          nbf: NOW,
          iat: NOW,
          sub: 's',
          aud: ['a'],
          scope: ['x'],
          scp: 'y',
          jti: 'j',
          client_id: 'c',
        }),
      ),
    ).toBeUndefined()
  })
})

describe('checkTimeClaims', () => {
  it.each<[string, TokenClaims, number | undefined, string | undefined]>([
    ['a valid token', { exp: NOW + 60, iat: NOW }, undefined, undefined],
    ['exp missing', { iat: NOW }, undefined, 'missing_claim'],
    ['exp past', { exp: NOW - 60 }, undefined, 'expired'],
    ['exp within tolerance', { exp: NOW - 4 }, undefined, undefined],
    ['exp exactly at the edge', { exp: NOW - 5 }, undefined, 'expired'],
    ['nbf in the future', { exp: NOW + 60, nbf: NOW + 60 }, undefined, 'not_yet_valid'],
    ['nbf within tolerance', { exp: NOW + 60, nbf: NOW + 4 }, undefined, undefined],
    ['iat in the future', { exp: NOW + 60, iat: NOW + 60 }, undefined, 'issued_in_future'],
    ['too old', { exp: NOW + 60, iat: NOW - 120 }, 60, 'too_old'],
    ['old but within max age', { exp: NOW + 60, iat: NOW - 30 }, 60, undefined],
    ['max age without iat', { exp: NOW + 60 }, 60, 'missing_claim'],
  ])('%s', (_, claims, maxTokenAge, reason) => {
    expect(reasonOf(() => checkTimeClaims(claims, NOW, { ...rules, maxTokenAge }))).toBe(reason)
  })
})
