import t from 'tap'
import { systemClock, type Clock } from '../../src/platforms/transport/clock.js'
import { customers, e2e } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * The scheduled work, driven by hand and by an injected clock: the monthly billing run is due from
 * day 2 and runs once; a job never overlaps itself (409 for a request, a skipped tick for the
 * scheduler); the push watchdog re-arms a push service GravityZone switched off, and records it.
 */

const [acme] = customers as [(typeof customers)[number]]
const pushLimits = { push: { limit: 60, intervalMs: 60_000 } }

/** Wall-clock time moved to `at`, still ticking; timers keep their real durations. */
const clockAt = (at: string): Clock & { set(at: string): void } => {
  let offset = Date.parse(at) - Date.now()
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    set(next) {
      offset = Date.parse(next) - Date.now()
    }
  }
}

t.test('the monthly billing run: not before day 2, once on day 2, not again once done', async (t) => {
  const clock = clockAt('2026-12-01T09:00:00Z')
  const s = await e2e(t, { clock })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await s.map(acme, { billing: true })
  const runs = async () =>
    (await s.api('GET', '/api/audit?type=BillingRunCompleted')).body.items.map(
      (f: { data: { month: string; billed: number } }) => f.data
    )

  t.same(await s.relay.jobs.billingTick(), { ran: [] }, 'on the 1st, November is not billed yet')
  clock.set('2026-12-02T00:30:00Z')
  t.same(await s.relay.jobs.billingTick(), { ran: ['11/2026'] }, 'on the 2nd, November is billed')
  t.match(await runs(), [{ month: '11/2026', billed: 1 }])
  t.same(await s.relay.jobs.billingTick(), { ran: [] }, 'an hour later, nothing to do')
  clock.set('2026-12-17T12:00:00Z')
  t.same(await s.relay.jobs.billingTick(), { ran: [] }, 'nor later in the month')
  t.equal((await runs()).length, 1)
  const usage = (await s.api('GET', '/api/audit?type=UsageBilled')).body.items
  t.match(usage, [{ data: { month: '11/2026', halopsaClientId: acme.clientId } }])
})

t.test('a job never overlaps itself: a request is refused with 409, a scheduled tick is skipped', async (t) => {
  const s = await e2e(t)
  await s.map(acme)
  // HaloPSA answers the client list slowly, so the first poll is still running.
  s.halopsa.faults.add({ match: 'GET /api/Client', latencyMs: 1_500, count: 1 })
  const first = s.api('POST', '/api/sync/run')
  const deadline = Date.now() + 5_000
  while (!s.relay.jobs.running().includes('sync')) {
    if (Date.now() > deadline) throw new Error('the poll did not start')
    await new Promise((resolve) => setImmediate(resolve))
  }
  const second = await s.api('POST', '/api/sync/run')
  t.equal(second.status, 409)
  t.match(second.body, { error: { code: 'job_running', details: { runId: String } } })
  const running = await s.api('GET', `/api/jobs/${second.body.error.details.runId}`)
  t.match(running, { status: 200, body: { job: 'sync', status: 'running' } }, 'the 409 names the run in progress')
  t.equal(await s.relay.jobs.syncTick(), undefined, "the scheduler's tick is skipped")
  const done = await first
  t.equal(done.status, 200, 'the running poll finishes')
  t.match(done.body, { runId: second.body.error.details.runId, job: 'sync', status: 'succeeded', errors: [] })
  t.equal((await s.api('POST', '/api/sync/run')).status, 200, 'and the next one may run')
})

t.test('the push watchdog re-arms a push service GravityZone switched off, and records it', async (t) => {
  const s = await e2e(t, { gravityzoneLimits: pushLimits, gravityzoneSimulatorLimits: pushLimits })
  await s.map(acme, { ticketing: true })
  t.same(await s.relay.jobs.watchdogTick(), { status: 1, rearmed: false }, 'armed: nothing to do')

  // Deliveries start failing (the receiver is unreachable), and three hours pass without a success.
  await s.relay.clients.gravityzone.setPushEventSettings({
    status: 1,
    serviceType: 'jsonRPC',
    serviceSettings: {
      url: 'http://127.0.0.1:9/webhooks/gravityzone',
      requireValidSslCertificate: false,
      authorization: s.secrets.pushAuthorization
    },
    subscribeToEventTypes: { av: true }
  })
  const failed = await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  t.equal(failed.batches.filter((b) => b.ok).length, 0, 'the delivery failed')
  s.gravityzone.advanceTime(3 * 60 * 60 * 1000 + 1_000)
  t.equal(s.gravityzone.push.sender().status(), 0, 'GravityZone switched the push service off')

  const result = await s.relay.jobs.watchdogTick()
  t.same(result, { status: 0, rearmed: true })
  const facts = (await s.api('GET', '/api/audit?type=PushServiceRearmed')).body.items
  t.match(facts, [{ data: { previousStatus: 0, url: `${s.url}/webhooks/gravityzone` } }])
  t.equal(s.gravityzone.push.sender().status(), 1, 'on again')
  const settings = await s.relay.clients.gravityzone.getPushEventSettings()
  t.equal(settings.serviceSettings?.url, `${s.url}/webhooks/gravityzone`, 'pointing at the relay again')
  t.notOk(
    JSON.stringify(facts).includes(s.secrets.pushAuthorization.split(' ')[1]!),
    'the push authorization is not in the fact'
  )

  const delivered = await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  t.ok(delivered.batches.length > 0 && delivered.batches.every((b) => b.ok), 'events reach the relay again')
  t.same(await s.relay.jobs.watchdogTick(), { status: 1, rearmed: false })
  t.equal(
    (await s.api('GET', '/api/audit?type=PushServiceRearmed')).body.items.length,
    1,
    'a healthy check appends nothing'
  )
})

t.test('daily billing of the current month, when BILLING_DAILY is on: once a day', async (t) => {
  const clock = clockAt('2026-12-17T08:00:00Z')
  const s = await e2e(t, { clock, env: { BILLING_DAILY: 'true' } })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await s.map(acme, { billing: true })
  t.same(
    await s.relay.jobs.billingTick(),
    { ran: ['11/2026', '12/2026'] },
    'last month (never billed) and this month so far'
  )
  t.same(await s.relay.jobs.billingTick(), { ran: [] }, 'an hour later, nothing')
  clock.set('2026-12-18T08:00:00Z')
  t.same(await s.relay.jobs.billingTick(), { ran: ['12/2026'] }, 'the next day, this month again')
})

t.test(
  'a job request answers 202 with the run id when the run outlasts its wait, and the run can be followed',
  async (t) => {
    const s = await e2e(t)
    await s.map(acme)
    s.halopsa.faults.add({ match: 'GET /api/Client', latencyMs: 800, count: 1 })
    // Given a poll that takes longer than the request is willing to wait
    const started = await s.api('POST', '/api/sync/run?wait=0')
    // Then the request answers at once with the run
    t.equal(started.status, 202)
    t.match(started.body, { runId: String, job: 'sync', status: 'running' })
    t.same(Object.keys(started.body).sort(), ['job', 'runId', 'status'])
    // And the run, followed by its id, ends with the report the 200 would have carried
    let run: { status?: string } = {}
    await waitFor(async () => {
      run = (await s.api('GET', `/api/jobs/${started.body.runId}`)).body
      return run.status !== 'running'
    })
    t.match(run, {
      runId: started.body.runId,
      job: 'sync',
      status: 'succeeded',
      startedAt: String,
      finishedAt: String,
      result: { runId: started.body.runId, checked: { mappings: 1 }, errors: [] }
    })
    t.equal((await s.api('GET', '/api/jobs/no-such-run')).body.error.code, 'job_not_found')
    t.equal((await s.api('GET', '/api/jobs/no-such-run')).status, 404)
    t.equal((await s.api('POST', '/api/sync/run?wait=31')).status, 400, 'a wait is at most 30 s')
  }
)

t.test('a poll whose calls failed is a failed run, in its answer, the metrics and /api/status', async (t) => {
  const s = await e2e(t, { upstream: { timeoutMs: 2_000, retry: { retries: 0 } } })
  await s.map(acme)
  // Given HaloPSA failing its client list and item list
  s.halopsa.faults.add({ match: 'GET /api/Client', status: 500, count: 1 })
  s.halopsa.faults.add({ match: 'GET /api/Item', status: 500, count: 1 })
  // When a poll runs
  const res = await s.api('POST', '/api/sync/run')
  // Then it answers its report, marked failed, with what it could not read
  t.equal(res.status, 200)
  t.match(res.body, { status: 'failed', errors: [/^HaloPSA clients: /, /^HaloPSA items: /] })
  const metrics = await (await fetch(`${s.url}/metrics`)).text()
  t.match(metrics, 'relay_job_runs_total{job="sync",outcome="failed"} 1')
  t.notMatch(metrics, 'relay_job_runs_total{job="sync",outcome="ok"}', 'a failed poll is not counted ok')
  const status = (await s.api('GET', '/api/status')).body
  t.match(status.jobs.sync, {
    running: false,
    lastRun: { runId: res.body.runId, status: 'failed', errors: [/HaloPSA clients/, /HaloPSA items/] }
  })
  // And the next poll, with HaloPSA answering again, succeeds
  t.match((await s.api('POST', '/api/sync/run')).body, { status: 'succeeded', errors: [] })
  t.match((await s.api('GET', '/api/status')).body.jobs.sync.lastRun, { status: 'succeeded' })
})

t.test(
  "a scheduled poll that would wait longer than its interval for HaloPSA's budget is skipped, with the reason",
  async (t) => {
    // Given a window of ten requests a minute (two kept for tickets) and a 10 s poll interval
    const s = await e2e(t, { env: { HALO_RATE_LIMIT: '10/1m', POLL_INTERVAL: '10s' } })
    const halopsa = s.relay.clients.halopsa
    // and other background work that left one request of the window to polls
    const { limit, reservedForTickets } = halopsa.limiter.usage()
    while (halopsa.limiter.usage().used < limit - reservedForTickets - 1) await halopsa.statuses.list()
    // When the scheduler's poll starts, makes its one call and finds the budget spent for a minute
    t.equal(await s.relay.jobs.syncTick(), undefined, 'the poll gives up')
    const first = (await s.api('GET', '/api/status')).body.jobs.sync
    t.match(first, {
      running: false,
      lastRun: { status: 'skipped', reason: /^HaloPSA's rate budget is spent for the next \d+ s$/ }
    })
    // and the next tick, with the budget still spent, does not start at all
    const calls = halopsa.stats().calls
    t.equal(await s.relay.jobs.syncTick(), undefined)
    t.equal(halopsa.stats().calls, calls, 'no call was made')
    const second = (await s.api('GET', '/api/status')).body.jobs.sync.lastRun
    t.match(second, { status: 'skipped', reason: /rate budget is spent/ })
    t.not(second.runId, first.lastRun.runId, 'each skipped tick is a run of its own')
    t.match((await s.api('GET', `/api/jobs/${second.runId}`)).body, { job: 'sync', status: 'skipped' })
    const metrics = await (await fetch(`${s.url}/metrics`)).text()
    t.match(metrics, 'relay_job_runs_total{job="sync",outcome="skipped"} 2')
    t.match(metrics, `relay_upstream_budget_used{platform="halopsa"} ${limit - reservedForTickets}`)
  }
)
