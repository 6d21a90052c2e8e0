import { refusedPort, startScriptedServer, type ScriptedServer } from '../src/scripted-server'

let server: ScriptedServer
beforeAll(async () => {
  server = await startScriptedServer()
})
afterAll(() => server.close())
beforeEach(() => {
  server.requests.length = 0
})

const form = (token: string) => ({
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('client%3Aone:secret').toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: new URLSearchParams({ token }),
})

it('records each request: method, path, headers, body, form token and client id', async () => {
  server.script = () => ({ body: { active: false } })
  const response = await fetch(`${server.url}/introspect?x=1`, form('tok-1'))
  expect([response.status, response.headers.get('content-type'), await response.json()]).toEqual([
    200,
    'application/json',
    { active: false },
  ])
  expect(server.requests).toEqual([
    expect.objectContaining({
      method: 'POST',
      path: '/introspect?x=1',
      token: 'tok-1',
      clientId: 'client:one',
    }),
  ])
  expect(server.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded')
  expect([server.hits(), server.hits('tok-1'), server.hits('other')]).toEqual([1, 1, 0])
})

it('answers 404 with an empty body by default, and a string body as is', async () => {
  const quiet = await startScriptedServer()
  try {
    const response = await fetch(`${quiet.url}/anything`)
    expect([response.status, await response.text()]).toEqual([404, ''])
  } finally {
    await quiet.close()
  }
  server.script = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' })
  const html = await fetch(server.url)
  expect([html.headers.get('content-type'), await html.text()]).toEqual(['text/html', '<html>'])
})

it('sends chunks apart in time, and a declared length with them', async () => {
  server.script = () => ({ chunks: ['{"active":', 'true}'], chunkDelayMs: 100 })
  const started = Date.now()
  const response = await fetch(server.url)
  expect(response.headers.get('content-length')).toBeNull()
  expect(await response.json()).toEqual({ active: true })
  expect(Date.now() - started).toBeGreaterThanOrEqual(90)
  server.script = () => ({ headers: { 'content-length': '15' }, chunks: ['{"active":', 'true}'] })
  expect(await (await fetch(server.url)).text()).toBe('{"active":true}')
})

it('drops the connection, hangs, or drips a body that never ends', async () => {
  server.script = () => ({ destroy: true })
  await expect(fetch(server.url)).rejects.toThrow()
  server.script = () => ({ hang: true })
  await expect(fetch(server.url, { signal: AbortSignal.timeout(100) })).rejects.toThrow()
  server.script = () => ({ dripMs: 20 })
  const dripping = await fetch(server.url, { signal: AbortSignal.timeout(150) })
  await expect(dripping.text()).rejects.toThrow()
  expect(server.hits()).toBe(3)
})

it('refusedPort is a port where nothing listens', async () => {
  await expect(fetch(`http://127.0.0.1:${await refusedPort()}/`)).rejects.toThrow()
})
