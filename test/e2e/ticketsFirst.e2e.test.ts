import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import { customers, e2e } from '../support/e2e.js'
import { populate } from '../support/bulk.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * Tickets first in HaloPSA's budget: a billing run for 2,000 mappings spends the relay's share of
 * the rolling window and has to wait for it, while a security event pushed meanwhile becomes a
 * ticket within seconds from the reserve that background work never uses. (The mappings are set
 * up the cheap way, as in scale.e2e.test.ts.)
 */

const N = 2_000
const month = previousUsageMonth(usageMonth(Date.now()))
const fastLicensing = { licensing: { limit: 1_000, intervalMs: 1_000 }, general: { limit: 1_000, intervalMs: 1_000 } }
const [acme] = customers as [(typeof customers)[number]]
const config = { ticketTypeId: 3, priorityId: 2, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

t.test(`a ticket is created within seconds while a billing run for ${N} mappings is in progress`, async (t) => {
  const s = await e2e(t, {
    env: { HALO_RATE_LIMIT: '30/1m' },
    gravityzoneLimits: fastLicensing,
    gravityzoneSimulatorLimits: fastLicensing
  })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await populate(s, N, { month })
  await s.map(acme, { ticketing: true })
  t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)

  // Given a billing run for every mapping, started and left to run
  const started = await s.api('POST', `/api/billing/run?month=${encodeURIComponent(month)}&wait=0`)
  t.match(started, { status: 202, body: { job: 'billing', status: 'running' } })
  // that has spent the background share of the window and waits for more
  await waitFor(() => s.relay.clients.halopsa.limiter.waitMs('background') > 10_000, {
    timeoutMs: 60_000,
    what: 'the billing run to wait for the window'
  })
  const budget = (await s.api('GET', '/api/status')).body.budget.halopsa
  t.match(budget, { limit: 30, reservedForTickets: 6 })

  // When a security event is pushed
  const pushedAt = Date.now()
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  // Then its ticket is created within seconds, while the billing run is still in progress
  await waitFor(() => s.halopsa.state.data().tickets.rows.size > 0, { timeoutMs: 5_000, what: 'the ticket' })
  t.comment(`ticket created ${Date.now() - pushedAt} ms after the push, billing still running`)
  t.match((await s.api('GET', `/api/jobs/${started.body.runId}`)).body, { status: 'running' })
  t.equal((await s.api('GET', '/api/status')).body.jobs.billing.running, true)
})
