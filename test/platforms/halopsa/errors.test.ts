import t from 'tap'
import { createHaloPsaClient } from '../../../src/platforms/halopsa/client.js'
import { CLIENT_ID, SECRET, connect, everythingIn, platformError, startPair, startSimulator } from './harness.js'

t.test("given Halo's own limiter answers 429 with Retry-After, the client waits that long and completes", async (t) => {
  const { sim, client } = await startPair(
    t,
    { rateLimit: { limit: 4, windowMs: 1000, retryAfter: true } },
    { retry: { retries: 4, minDelayMs: 5, maxDelayMs: 40, defaultRetryAfterMs: 50 } }
  )
  const started = Date.now()
  const names = await Promise.all([101, 102, 103, 106, 107].map((id) => client.clients.get(id).then((c) => c?.name)))
  const elapsed = Date.now() - started
  t.equal(names.length, 5)
  t.ok(names.every((n) => typeof n === 'string'))
  const limited = sim.state.calls.requests().filter((r) => r.status === 429)
  t.ok(limited.length >= 1, 'Halo refused some calls')
  t.ok(elapsed >= 900, `waited for Retry-After: 1 (took ${elapsed} ms), not the 50 ms default`)
  t.ok(client.limiter.stats().paused >= 1, 'the shared limiter was paused')
})

t.test('given a 429 without Retry-After, the configured default pause is used', async (t) => {
  const { sim, client } = await startPair(
    t,
    {},
    { retry: { retries: 3, minDelayMs: 5, maxDelayMs: 40, defaultRetryAfterMs: 300 } }
  )
  await client.statuses.list()
  sim.faults.add({ match: 'GET /api/Priority', status: 429, count: 1 })
  const started = Date.now()
  t.equal((await client.priorities.list()).length, 4)
  const elapsed = Date.now() - started
  t.ok(elapsed >= 280 && elapsed < 900, `paused about 300 ms (took ${elapsed} ms)`)
})

t.test('given a 429 that does not stop, the call fails as rate_limited with the wait Halo asked for', async (t) => {
  const { sim, client } = await startPair(
    t,
    {},
    { retry: { retries: 0, rateLimitedRetries: 2, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 20 } }
  )
  sim.faults.add({ match: 'GET /api/Item', status: 429, retryAfter: 0 })
  const error = await platformError(client.items.get(12))
  t.match(error, { kind: 'rate_limited', status: 429, call: 'GET /api/Item/{id}', attempts: 3, retryAfterMs: 0 })
  t.ok(error.transient)
})

t.test('a 429 on a write is retried (HaloPSA refused it before doing anything), a 503 on a write is not', async (t) => {
  const { sim, client } = await startPair(
    t,
    {},
    { retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 20 } }
  )
  const before = sim.state.data().tickets.rows.size
  sim.faults.add({ match: 'POST /api/Tickets', status: 429, retryAfter: 0, count: 2 })
  await client.tickets.create({ clientId: 101, summary: 'after two 429s', details: 'created once', ticketTypeId: 1 })
  t.equal(sim.state.data().tickets.rows.size, before + 1, 'created once, after waiting out the 429s')
  sim.faults.add({ match: 'POST /api/Tickets', status: 503, count: 1 })
  const error = await platformError(
    client.tickets.create({ clientId: 101, summary: 'after a 503', details: 'not retried blindly', ticketTypeId: 1 })
  )
  t.match(error, { kind: 'server', status: 503, attempts: 1 })
})

t.test('given transient 5xx on a GET, the call is retried and succeeds', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'GET /api/Client/101', status: 502, count: 2 })
  t.equal((await client.clients.get(101))?.name, 'Acme Dental Group')
  t.equal(sim.state.calls.count('GET /api/Client/:id'), 3)
})

t.test('given a 5xx that persists, the error says server with the status', async (t) => {
  const { sim, client } = await startPair(
    t,
    {},
    { retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10, defaultRetryAfterMs: 10 } }
  )
  sim.faults.add({ match: 'GET /api/Status', status: 500 })
  t.match(await platformError(client.statuses.list()), {
    platform: 'halopsa',
    kind: 'server',
    status: 500,
    call: 'GET /api/Status',
    attempts: 2
  })
})

t.test('given a call that hangs, the timeout fires; a GET is retried and then succeeds', async (t) => {
  const { sim, client } = await startPair(t, {}, { timeoutMs: 250 })
  sim.faults.add({ match: 'GET /api/Client', hang: true, count: 1 })
  t.equal((await client.clients.get(101))?.id, 101)
  sim.faults.add({ match: 'GET /api/Client', hang: true })
  const started = Date.now()
  const error = await platformError(connect(t, sim, { timeoutMs: 250, retry: { retries: 0 } }).clients.get(101))
  t.match(error, { kind: 'timeout', call: 'GET /api/Client/{id}' })
  t.ok(Date.now() - started < 2000, 'gave up at the deadline')
  t.match(error.message, /no answer within 250 ms/)
})

t.test('given a body that is not JSON, the error is invalid_response', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'GET /api/Tickets', malformed: true, count: 1 })
  t.match(await platformError(client.tickets.get(1)), {
    kind: 'invalid_response',
    status: 200,
    call: 'GET /api/Tickets/{id}'
  })
})

t.test('given nobody listens, the error is network and names the call', async (t) => {
  const sim = await startSimulator(t)
  const url = sim.url
  await sim.close()
  const client = createHaloPsaClient({
    url,
    authUrl: `${url}/auth`,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 }
  })
  t.teardown(() => client.close())
  const error = await platformError(client.clients.get(1))
  t.match(error, { kind: 'network', call: 'POST /auth/token', attempts: 2 })
  t.notMatch(everythingIn(error), new RegExp(SECRET))
})

t.test('no error and no metrics event carries the secret or the token', async (t) => {
  const events: unknown[] = []
  const sim = await startSimulator(t)
  const client = connect(t, sim, { authUrl: `${sim.url}/auth`, onCall: (event) => events.push(event) })
  await client.statuses.list()
  const [token] = sim.state.issuedTokens()
  t.ok(token, 'the client holds a token')
  sim.faults.add({ match: 'GET /api/Status', status: 400, body: { '': 'bad request' }, count: 1 })
  sim.faults.add({ match: 'GET /api/Priority', status: 403, count: 1 })
  const errors = [await platformError(client.statuses.list()), await platformError(client.priorities.list())]
  for (const error of errors) {
    t.notMatch(everythingIn(error), new RegExp(SECRET))
    t.notOk(everythingIn(error).includes(token!), 'nor the token')
    t.notMatch(everythingIn(error), /Bearer|authorization/i)
  }
  t.notMatch(JSON.stringify(events), new RegExp(`${SECRET}|Bearer`))
  t.notOk(JSON.stringify(events).includes(token!))
  t.match(events, [
    { call: 'POST /auth/token', outcome: 'ok' },
    { call: 'GET /api/Status', outcome: 'ok' }
  ])
})
