import t from 'tap'
import { waitFor } from '../../support/storeFacts.js'
import { startPair } from './harness.js'
import { busiestWindow } from '../../support/windows.js'

/**
 * The HaloPSA budget under load (docs/platforms/halopsa.md#rate-limits): 1,000 queued ticket
 * creations through one client whose window equals the instance's (200 per second here, so it runs
 * in seconds), with a 429 storm in the middle. Windows are checked from the simulator's own arrival
 * times.
 */

const LIMIT = 200
const WINDOW_MS = 1000
const CALLS = 1000
const STORM = 60

t.test('1,000 queued calls never exceed the window and all land exactly once through a 429 storm', async (t) => {
  const { sim, client } = await startPair(
    t,
    { rateLimit: { limit: LIMIT, windowMs: WINDOW_MS, retryAfter: false } },
    {
      limits: { limit: LIMIT, windowMs: WINDOW_MS },
      timeoutMs: 10_000,
      retry: { retries: 4, minDelayMs: 5, maxDelayMs: 50, defaultRetryAfterMs: 300 }
    }
  )
  const started = Date.now()
  const summaries = Array.from({ length: CALLS }, (_, i) => `load ${i}`)
  const all = Promise.all(
    summaries.map((summary) => client.tickets.create({ summary, clientId: 101, ticketTypeId: 1 }))
  )

  // The storm hits once a third of the work is done: every in-flight caller must pause, none may give up.
  await waitFor(() => sim.state.data().tickets.rows.size >= CALLS / 3, {
    timeoutMs: 30_000,
    what: 'a third of the tickets'
  })
  sim.faults.add({ match: 'POST /api/Tickets', status: 429, count: STORM })
  const tickets = await all
  const elapsed = Date.now() - started

  t.equal(tickets.length, CALLS)
  t.equal(new Set(tickets.map((x) => x.id)).size, CALLS, 'every call got its own ticket')
  const stored = [...sim.state.data().tickets.rows.values()].map((row) => String(row.summary)).sort()
  t.same(stored, [...summaries].sort(), 'each call landed exactly once server-side')

  const requests = sim.state.calls.requests()
  const refused = requests.filter((r) => r.status === 429)
  t.equal(refused.length, STORM, "only the injected 429s: the instance's own limiter never had to refuse")
  t.equal(requests.filter((r) => r.route === '/api/Tickets' && r.method === 'POST').length, CALLS + STORM)
  const busiest = busiestWindow(
    requests.map((r) => r.at),
    WINDOW_MS
  )
  t.ok(busiest <= LIMIT, `no ${WINDOW_MS} ms window saw more than ${LIMIT} requests (busiest: ${busiest})`)
  t.ok(client.limiter.stats().paused >= 1, 'the storm paused the shared limiter')
  t.equal(client.limiter.inFlight(), 0, 'every granted attempt was reported settled (no slot leaked)')
  t.equal(client.limiter.stats().granted, requests.length, 'one grant per request the instance saw')
  t.comment(`${CALLS} calls + ${STORM} refused in ${elapsed} ms; ${client.stats().tokenRequests} token request(s)`)
})
