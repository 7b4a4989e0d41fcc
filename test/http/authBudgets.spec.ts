import t from 'tap'
import { connect } from 'node:net'
import { once } from 'node:events'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { auth, testApp, tokens, webhookSecrets } from '../support/app.js'

// Failure budgets per surface and per real client address (TRUST_PROXY), and authentication
// before the body is read (docs/security.md).

const proxy = '10.0.0.2'
const push = JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events: [] }, id: 1720773248505 })
const pushHeaders = {
  authorization: webhookSecrets.gravityzoneAuthorization,
  'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, push)
}
const basic = `Basic ${Buffer.from(`${webhookSecrets.halopsaUser}:${webhookSecrets.halopsaPassword}`).toString('base64')}`
const haloBody = JSON.stringify({ id: 1, event: 'Ticket Status Changed' })

t.test(
  'given a relay behind a TLS proxy (TRUST_PROXY) and a caller failing the API from behind it, when the platforms push through the same proxy, then their deliveries are accepted',
  async (t) => {
    const { app, close } = await testApp({ authFailures: { limit: 3, windowMs: 60_000 }, trustProxy: [proxy] })
    t.teardown(close)
    const from = (client: string) => ({ remoteAddress: proxy, headers: { 'x-forwarded-for': client } })
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/events', ...from('203.0.113.9') })
      t.equal(res.statusCode, i < 3 ? 401 : 429, `noisy attempt ${i + 1}`)
    }
    const gz = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      payload: push,
      remoteAddress: proxy,
      headers: { ...pushHeaders, 'x-forwarded-for': '198.51.100.7' }
    })
    t.equal(gz.statusCode, 200, 'GravityZone is a different client behind the same proxy')
    const halo = await app.inject({
      method: 'POST',
      url: '/webhooks/halopsa',
      payload: haloBody,
      remoteAddress: proxy,
      headers: { authorization: basic, 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.44' }
    })
    t.equal(halo.statusCode, 200, 'HaloPSA too')
    const operator = await app.inject({
      method: 'GET',
      url: '/api/events',
      ...from('198.51.100.200'),
      headers: { ...auth(tokens.reader), 'x-forwarded-for': '198.51.100.200' }
    })
    t.equal(operator.statusCode, 200, 'and so is an operator elsewhere')
  }
)

t.test(
  'given an address over its failure budget, when it presents a valid credential, then it passes; a wrong or missing one gets the same 429',
  async (t) => {
    const { app, close } = await testApp({ authFailures: { limit: 2, windowMs: 60_000 } })
    t.teardown(close)
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/api/events', headers: auth('nope') })
    const wrong = await app.inject({ method: 'GET', url: '/api/events', headers: auth('still-not-a-token-000') })
    const missing = await app.inject({ method: 'GET', url: '/api/events' })
    t.equal(wrong.statusCode, 429)
    t.equal(missing.statusCode, 429)
    t.same(wrong.json(), missing.json(), 'nothing tells a missing token from a wrong one')
    t.ok(Number(wrong.headers['retry-after']) >= 1)
    const valid = await app.inject({ method: 'GET', url: '/api/events', headers: auth(tokens.reader) })
    t.equal(valid.statusCode, 200, 'a valid token is never refused because of earlier failures')

    for (let i = 0; i < 3; i++)
      await app.inject({ method: 'POST', url: '/webhooks/gravityzone', headers: { authorization: 'x' }, payload: push })
    const gz = await app.inject({ method: 'POST', url: '/webhooks/gravityzone', headers: pushHeaders, payload: push })
    t.equal(gz.statusCode, 200, 'the same holds for GravityZone')
    for (let i = 0; i < 3; i++)
      await app.inject({ method: 'POST', url: '/webhooks/halopsa', headers: { authorization: 'Basic eDp5' } })
    const halo = await app.inject({
      method: 'POST',
      url: '/webhooks/halopsa',
      headers: { authorization: basic, 'content-type': 'application/json' },
      payload: haloBody
    })
    t.equal(halo.statusCode, 200, 'and for HaloPSA')
  }
)

t.test(
  'given failures on one webhook, when the other webhook and the API are called with bad credentials, then each surface still has its own budget',
  async (t) => {
    const { app, close } = await testApp({ authFailures: { limit: 2, windowMs: 60_000 } })
    t.teardown(close)
    for (let i = 0; i < 4; i++)
      await app.inject({ method: 'POST', url: '/webhooks/halopsa', headers: { authorization: 'Basic eDp5' } })
    const gz = await app.inject({ method: 'POST', url: '/webhooks/gravityzone', headers: { authorization: 'x' } })
    t.equal(gz.statusCode, 401)
    const api = await app.inject({ method: 'GET', url: '/api/events', headers: auth('nope') })
    t.equal(api.statusCode, 401)
  }
)

t.test(
  'given no trusted proxy, when a caller forges X-Forwarded-For, then its failures still count against its own address',
  async (t) => {
    const { app, close } = await testApp({ authFailures: { limit: 2, windowMs: 60_000 } })
    t.teardown(close)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/events',
        headers: { 'x-forwarded-for': `198.51.100.${i}` }
      })
      statuses.push(res.statusCode)
    }
    t.same(statuses, [401, 401, 429, 429])
  }
)

t.test(
  'given an API route with a body, when a caller without a token sends an invalid body, then it is refused 401 without the body being parsed, and counted',
  async (t) => {
    const { app, close } = await testApp({ authFailures: { limit: 2, windowMs: 60_000 } })
    t.teardown(close)
    const body = JSON.stringify({ gravityzoneCompanyId: 'x'.repeat(900_000), halopsaClientId: 'not a number' })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/mappings',
        headers: { 'content-type': 'application/json' },
        payload: body
      })
      statuses.push(res.statusCode)
      t.notMatch(res.body, /gravityzoneCompanyId|halopsaClientId/, 'no schema details for an unauthenticated caller')
    }
    t.same(statuses, [401, 401, 429])
  }
)

t.test(
  'given a listening relay, when a caller without a token announces a 1 MiB body and sends none, then the 401 comes at once',
  async (t) => {
    const { app, close } = await testApp()
    t.teardown(close)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const socket = connect(Number(new URL(address).port), '127.0.0.1')
    t.teardown(() => socket.destroy())
    await once(socket, 'connect')
    socket.setEncoding('utf8')
    let answer = ''
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.write(
      'POST /api/mappings HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{'
    )
    const deadline = Date.now() + 5_000
    while (!answer.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    t.match(answer, /^HTTP\/1\.1 401 /, 'answered before the body arrived')
    t.match(answer, /missing_credentials/)
  }
)
