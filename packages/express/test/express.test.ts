import express, { type ErrorRequestHandler } from 'express'
import request from 'supertest'
import { ADAPTER_AUDIENCE, ADAPTER_ISSUER, useAdapterKeys } from '@tokenguard/test-support'
import { createValidator, requireScopes, requireToken, TokenError } from '../src/index'

// What only Express does: the conformance suite (test/conformance) holds the behaviour every adapter shares.
const { jwks, token } = useAdapterKeys()
const tokens = () =>
  createValidator({
    issuer: ADAPTER_ISSUER,
    audience: ADAPTER_AUDIENCE,
    jwt: { algorithms: ['RS256'], jwks: { keys: jwks() } },
  })

describe('Express adapter', () => {
  it('errors: "next" hands TokenErrors to the app error handler, from requireToken and from guards', async () => {
    const server = express()
    const seen: TokenError[] = []
    server.get('/x', requireToken(tokens(), { errors: 'next' }), requireScopes('admin'), (_req, res) =>
      res.json({}),
    )
    const handler: ErrorRequestHandler = (error, _req, res, _next) => {
      seen.push(error)
      res.status(418).json({ mine: error.reason })
    }
    server.use(handler)
    expect((await request(server).get('/x')).body).toEqual({ mine: 'missing_token' })
    const scoped = await request(server)
      .get('/x')
      .set('Authorization', `Bearer ${await token()}`)
    expect(scoped.body).toEqual({ mine: 'insufficient_scope' })
    expect(seen).toHaveLength(2)
    expect(seen.every((error) => error instanceof TokenError)).toBe(true)
  })

  it('a handler that throws after requireToken is the app error, a 500 without a challenge', async () => {
    const server = express()
    server.get('/x', requireToken(tokens()), () => {
      throw new Error('handler bug')
    })
    server.use(((_error, _req, res, _next) => res.status(500).json({ bug: true })) as ErrorRequestHandler)
    const response = await request(server)
      .get('/x')
      .set('Authorization', `Bearer ${await token()}`)
    expect({ status: response.status, body: response.body }).toEqual({ status: 500, body: { bug: true } })
    expect(response.headers['www-authenticate']).toBeUndefined()
  })
})
