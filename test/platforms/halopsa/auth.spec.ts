import t from 'tap'
import { tokenUrl } from '../../../src/platforms/halopsa/auth.js'
import { createHaloPsaClient } from '../../../src/platforms/halopsa/client.js'
import {
  CLIENT_ID,
  SECRET,
  connect,
  everythingIn,
  offsetClock,
  platformError,
  startPair,
  startSimulator
} from './harness.js'

const tokenCalls = (sim: { state: { calls: { count(key: string): number } } }) =>
  sim.state.calls.count('POST /auth/token')

t.test('the token URL is /auth/token on premise and <auth URL>/token?tenant= for a hosted tenant', async (t) => {
  t.equal(tokenUrl({ url: 'https://halo.example.com/' }), 'https://halo.example.com/auth/token')
  t.equal(
    tokenUrl({ url: 'https://x.halopsa.com', authUrl: 'https://x.halopsa.com/auth/', tenant: 'x corp' }),
    'https://x.halopsa.com/auth/token?tenant=x%20corp'
  )
  t.equal(
    tokenUrl({ url: 'https://x.halopsa.com', authUrl: 'https://auth.example.com/auth' }),
    'https://auth.example.com/auth/token'
  )
  t.equal(tokenUrl({ url: 'https://x.halopsa.com', tenant: 'x' }), 'https://x.halopsa.com/auth/token?tenant=x')
})

t.test('given an on-premise instance, when many calls start at once, then they share one token request', async (t) => {
  const { sim, client } = await startPair(t)
  const results = await Promise.all(Array.from({ length: 20 }, () => client.statuses.list()))
  t.ok(results.every((statuses) => statuses.some((s) => s.id === 9 && s.name === 'Closed')))
  t.equal(tokenCalls(sim), 1)
  t.equal(client.stats().tokenRequests, 1)
})

t.test('given a hosted instance, the tenant is required on the token URL', async (t) => {
  const sim = await startSimulator(t, { tenant: 'northwind' })
  const hosted = connect(t, sim, { authUrl: `${sim.url}/auth`, tenant: 'northwind' })
  t.ok((await hosted.priorities.list()).length > 0, 'a client with the tenant gets in')

  const missing = await platformError(connect(t, sim, { authUrl: `${sim.url}/auth` }).priorities.list())
  t.match(missing, { platform: 'halopsa', call: 'POST /auth/token', kind: 'auth', status: 400 })
  const wrong = await platformError(connect(t, sim, { tenant: 'someone-else' }).priorities.list())
  t.match(wrong, { kind: 'auth', status: 401, details: { error: 'invalid_client' } }, 'a configured tenant wins')
})

t.test(
  'given neither HALO_AUTH_URL nor HALO_TENANT, the token URL and tenant come from /api/authinfo, asked once',
  async (t) => {
    const sim = await startSimulator(t, { tenant: 'northwind' })
    const client = connect(t, sim)
    t.ok((await client.priorities.list()).length > 0, 'the discovered tenant gets in')
    sim.state.revokeTokens()
    await client.statuses.list()
    t.equal(sim.state.calls.count('GET /api/authinfo'), 1, 'discovered once, not per token')
    t.equal(tokenCalls(sim), 2)
    t.ok(
      sim.state.calls.requests().some((r) => r.url === '/auth/token?tenant=northwind'),
      'the token URL carries the tenant'
    )
  }
)

t.test('given an instance without /api/authinfo, the on-premise token URL is used', async (t) => {
  const sim = await startSimulator(t)
  sim.faults.add({ match: 'GET /api/authinfo', status: 404 })
  const client = connect(t, sim)
  t.equal((await client.clients.get(101))?.name, 'Acme Dental Group')
  t.ok(sim.state.calls.requests().some((r) => r.url === '/auth/token'))
})

t.test('given authinfo fails for a moment, the next call asks again', async (t) => {
  const sim = await startSimulator(t)
  sim.faults.add({ match: 'GET /api/authinfo', status: 500, count: 10 })
  const client = connect(t, sim)
  t.match(await platformError(client.clients.get(101)), { call: 'GET /api/authinfo', kind: 'server' })
  sim.faults.clear()
  t.equal((await client.clients.get(101))?.name, 'Acme Dental Group')
})

t.test('an authinfo answer that would send the secret over plain http from an https instance is refused', async (t) => {
  const sim = await startSimulator(t)
  sim.faults.add({ match: 'GET /api/authinfo', status: 200, body: { auth_url: 'http://evil.example/auth' } })
  // The client believes the instance is https (a proxy would make it so); the simulator answers either way.
  const { discoverTokenUrl } = await import('../../../src/platforms/halopsa/auth.js')
  const { createTransport } = await import('../../../src/platforms/transport/transport.js')
  const { createArrivalWindow } = await import('../../../src/platforms/halopsa/limiter.js')
  const transport = createTransport({ platform: 'halopsa', baseUrl: '' })
  t.teardown(() => transport.close())
  const limiter = createArrivalWindow({ limit: 100, windowMs: 1000 })
  const error = await platformError(
    discoverTokenUrl({
      credentials: { url: sim.url.replace('http:', 'https:'), clientId: CLIENT_ID, clientSecret: SECRET },
      transport: { ...transport, send: (req) => transport.send({ ...req, path: req.path.replace('https:', 'http:') }) },
      limiter
    })
  )
  t.match(error, { kind: 'invalid_response', call: 'GET /api/authinfo', message: /HALO_AUTH_URL/ })
})

t.test('given a wrong secret, the error names the call and status and never the secret', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim, { clientSecret: 'wrong-secret-value' })
  const error = await platformError(client.clients.get(101))
  t.match(error, {
    platform: 'halopsa',
    call: 'POST /auth/token',
    kind: 'auth',
    status: 401,
    details: { error: 'invalid_client' }
  })
  t.notOk(error.transient, 'a refused secret is not worth retrying')
  t.equal(tokenCalls(sim), 1, 'asked once, not retried')
  t.notMatch(everythingIn(error), /wrong-secret-value/)
  t.equal(sim.state.calls.count('GET /api/Client/:id'), 0, 'no API call without a token')
})

t.test('given the token expires on the server mid-run, the client retries once with a fresh token', async (t) => {
  const serverClock = offsetClock()
  const { sim, client } = await startPair(t, { clock: serverClock, rateLimit: { enabled: false } })
  t.equal((await client.clients.get(101))?.name, 'Acme Dental Group')
  serverClock.advance(3601 * 1000)
  t.equal((await client.clients.get(102))?.name, 'Birchwood Legal LLP')
  t.equal(tokenCalls(sim), 2)
  const refused = sim.state.calls.requests().filter((r) => r.status === 401)
  t.equal(refused.length, 1, 'one 401, then the retry succeeded')
})

t.test('given the tokens are revoked early, the next call gets a new token and succeeds', async (t) => {
  const { sim, client } = await startPair(t)
  await client.items.get(12)
  t.equal(sim.state.revokeTokens(), 1)
  t.equal((await client.items.get(12))?.basePrice, 3.5)
  t.equal(tokenCalls(sim), 2)
})

t.test('given Halo refuses the fresh token too, the call fails after exactly one retry', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'GET /api/Status', status: 401, count: 5 })
  const error = await platformError(client.statuses.list())
  t.match(error, { kind: 'auth', status: 401, call: 'GET /api/Status' })
  t.equal(sim.state.calls.count('GET /api/Status'), 2)
  t.equal(tokenCalls(sim), 2)
  t.notMatch(everythingIn(error), /Bearer/)
})

t.test('a token is refreshed 60 s before it expires, without waiting for a 401', async (t) => {
  const clientClock = offsetClock()
  const { sim, client } = await startPair(t, {}, { clock: clientClock })
  await client.priorities.list()
  clientClock.advance(3540 * 1000 - 1000)
  await client.priorities.list()
  t.equal(tokenCalls(sim), 1, 'still fresh at 59 minutes minus a second')
  clientClock.advance(2000)
  await client.priorities.list()
  t.equal(tokenCalls(sim), 2, 'refreshed inside the last minute')
  t.equal(sim.state.calls.requests().filter((r) => r.status === 401).length, 0)
})

t.test('scopes: the request may only narrow the grant, and routes enforce read/edit', async (t) => {
  const sim = await startSimulator(t, { scopes: ['read:customers', 'read:tickets'] })
  const narrow = connect(t, sim, { scope: 'read:customers read:tickets' })
  t.equal((await narrow.clients.get(101))?.id, 101)
  const denied = await platformError(narrow.tickets.create({ summary: 'x', clientId: 101, ticketTypeId: 1 }))
  t.match(denied, { kind: 'auth', status: 403, call: 'POST /api/Tickets' })
  const greedy = await platformError(connect(t, sim, { scope: 'edit:tickets' }).clients.get(101))
  t.match(greedy, { kind: 'auth', status: 400, details: { error: 'invalid_scope' } })
})

t.test('bad options are refused before any call', async (t) => {
  t.throws(() => createHaloPsaClient({ url: 'halo.example.com', clientId: CLIENT_ID, clientSecret: SECRET }), /http/)
  t.throws(
    () => createHaloPsaClient({ url: 'https://halo.example.com', clientId: CLIENT_ID, clientSecret: '' }),
    /required/
  )
})
