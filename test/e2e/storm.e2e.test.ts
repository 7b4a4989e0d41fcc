import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import { e2e } from '../support/e2e.js'
import { populate } from '../support/bulk.js'
import { busiestWindow } from '../support/windows.js'

/**
 * A 429 storm during a billing run: HaloPSA answers 429 to the invoice reads and writes while the
 * run is under way, in a window small enough that the run must also pace itself. The run finishes,
 * bills every mapping once, and HaloPSA's own limiter never has to refuse it: every 429 in the
 * simulator's log is one the storm injected, and no rolling window holds more than the limit.
 */

const month = previousUsageMonth(usageMonth(Date.now()))
const haloWindow = { limit: 12, windowMs: 3_000 }
const fastLicensing = { licensing: { limit: 1_000, intervalMs: 1_000 }, general: { limit: 1_000, intervalMs: 1_000 } }

t.test('a 429 storm during a billing run: the run finishes within the window', async (t) => {
  const s = await e2e(t, {
    haloWindow,
    pageSize: 20,
    gravityzoneLimits: fastLicensing,
    gravityzoneSimulatorLimits: fastLicensing
  })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  const customers = await populate(s, 120, { month })
  // Let the window empty after the set-up calls, so the run starts from a known budget.
  s.halopsa.state.calls.reset()
  const reads = s.halopsa.faults.add({ match: 'GET /api/RecurringInvoice', status: 429, retryAfter: 1, count: 3 })
  const writes = s.halopsa.faults.add({ match: 'POST /api/RecurringInvoice', status: 429, retryAfter: 1, count: 3 })
  const hits = (id: number) => s.halopsa.faults.list().find((f) => f.id === id)?.hits ?? 3

  // The run waits for HaloPSA's window, so the request answers 202 and the run is followed to its end.
  const run = await s.runJob(`/api/billing/run?month=${encodeURIComponent(month)}`)
  t.equal(run.status, 'succeeded')
  const calls = s.halopsa.state.calls.requests()
  t.comment(
    `billing run through a 429 storm: ${run.durationMs} ms, ${calls.length} HaloPSA requests, ${calls.filter((c) => c.status === 429).length} answered 429`
  )
  t.match(run, { mappings: 120, billed: 120, failed: 0, skipped: 0 }, 'every mapping billed')
  t.equal(hits(reads) + hits(writes), 6, 'the storm hit both the reads and the writes')
  t.equal(
    calls.filter((c) => c.status === 429).length,
    6,
    'the only 429s are the storm: HaloPSA never had to refuse the relay'
  )
  t.ok(s.relay.clients.halopsa.stats().retries >= 6, 'each refused call was retried')
  const most = busiestWindow(
    calls.map((c) => c.at),
    haloWindow.windowMs
  )
  t.ok(
    most <= haloWindow.limit,
    `no ${haloWindow.windowMs} ms window held more than ${haloWindow.limit} requests (${most})`
  )
  t.ok(calls.length > haloWindow.limit, 'the run needed more than one window, so it was paced')

  const invoices = [...s.halopsa.state.data().recurringInvoices.rows.values()]
  const byClient = new Map(invoices.map((i) => [i.client_id as number, i]))
  const wrong = customers.filter(
    (c) =>
      (byClient.get(c.clientId)!.lines as { _itemid: number; qty_order: number }[]).find((l) => l._itemid === 12)
        ?.qty_order !== c.endpoints
  )
  t.same(wrong, [], 'every invoice carries its usage')
  const facts = (await s.api('GET', '/api/audit?type=UsageBilled&limit=1000')).body.items
  t.equal(facts.length, 120, 'one UsageBilled per mapping: retries billed nothing twice')
})
