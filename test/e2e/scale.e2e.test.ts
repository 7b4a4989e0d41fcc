import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import { e2e } from '../support/e2e.js'
import { populate } from '../support/bulk.js'
import { busiestWindow } from '../support/windows.js'
import { mappingsProjection } from '../../projections/mappings.js'

/**
 * 2,000 mappings on the simulators: one inventory poll reads both platforms in pages, so its call
 * count grows with N / page size, not N; and a billing run for all of them stays inside HaloPSA's
 * rolling window. The poll includes the asset directory (docs/assets.md#reading-the-directory): two
 * endpoints and two HaloPSA assets per customer, read in bulk, not per company or client; a poll
 * inside ASSET_POLL_INTERVAL reads none. GravityZone's licensing tier (5 req/s on the real platform) is raised on both
 * sides here so the run takes seconds: at the real tier the 2,000 usage reads alone are paced over
 * at least 400 s, which the client's own token bucket does (tested in test/platforms/gravityzone).
 */

const N = 2_000
const month = previousUsageMonth(usageMonth(Date.now()))
const haloWindow = { limit: 300, windowMs: 300_000 }
const fastLicensing = { licensing: { limit: 1_000, intervalMs: 1_000 }, general: { limit: 1_000, intervalMs: 1_000 } }

t.test(`${N} mappings: one poll, one billing run`, async (t) => {
  const s = await e2e(t, { haloWindow, gravityzoneLimits: fastLicensing, gravityzoneSimulatorLimits: fastLicensing })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  const customers = await populate(s, N, { month, assetsEach: 2 })
  t.equal((await s.api('GET', '/api/mappings?limit=1')).status, 200)

  const haloStart = s.halopsa.state.calls.requests().length
  const gzStart = s.gravityzone.calls.snapshot().total
  const first = await s.sync()
  const poll = {
    halopsa: s.halopsa.state.calls.requests().length - haloStart,
    gravityzone: s.gravityzone.calls.snapshot().total - gzStart
  }
  t.comment(
    `one inventory poll over ${first.checked.mappings} mappings: ${poll.halopsa} HaloPSA calls, ${poll.gravityzone} GravityZone calls, ${first.durationMs} ms`
  )
  t.ok(first.checked.mappings >= N)
  t.same(first.errors, [])
  t.ok(poll.halopsa <= 50, `at most 50 HaloPSA calls (${poll.halopsa})`)
  t.ok(poll.gravityzone <= 50, `at most 50 GravityZone calls (${poll.gravityzone})`)
  t.same(first.calls, poll, 'the poll reports the calls it made')
  const assetCalls = {
    halopsa: s.halopsa.state.calls.requests().filter((r) => r.route === '/api/Asset').length,
    gravityzone: ['getNetworkInventoryItems', 'getEndpointsList']
      .map((m) => s.gravityzone.calls.of(`network.${m}`))
      .reduce((a, b) => a + b, 0)
  }
  const haloAssets = s.halopsa.state.data().assets.rows.size
  t.comment(
    `the asset directory's part: ${assetCalls.halopsa} HaloPSA calls for ${haloAssets} assets; ${assetCalls.gravityzone} GravityZone network listings (companies and endpoints); ${JSON.stringify(first.assets)}`
  )
  t.match(first.assets, { full: true, endpoints: { mappings: N, way: 'bulk' }, assets: { mappings: N, way: 'bulk' } })
  t.ok(assetCalls.halopsa <= Math.ceil(haloAssets / 250) + 1, `assets in pages, not per client (${assetCalls.halopsa})`)
  const sample = customers[7]!
  const sampleMapping = [...s.relay.relay.runner.state(mappingsProjection).mappings.values()].find(
    (m) => m.gravityzoneCompanyId === sample.companyId
  )!
  const sampleAssets = (await s.api('GET', `/api/mappings/${sampleMapping.id}/assets`)).body
  t.match(sampleAssets.counts, { endpoints: 2, matched: 1, unmatched: 1, assets: 2 }, "a customer's endpoints matched")
  t.equal((await s.api('GET', '/api/events/count')).body.active, 0, 'every mapping is healthy')
  const beforeSecond = s.halopsa.state.calls.requests().length
  const second = await s.sync()
  t.same(second.changes, [], 'a second poll of the same state appends nothing')
  t.equal(
    s.halopsa.state.calls
      .requests()
      .slice(beforeSecond)
      .filter((r) => r.route === '/api/Asset').length,
    0,
    'a poll inside ASSET_POLL_INTERVAL reads no asset'
  )
  t.match(second.assets, { full: false, endpoints: { mappings: 0 }, assets: { mappings: 0 } })

  const billingStart = s.halopsa.state.calls.requests().length
  const run = await s.runJob(`/api/billing/run?month=${encodeURIComponent(month)}`)
  const billingCalls = s.halopsa.state.calls.requests().slice(billingStart)
  t.comment(
    `billing run for ${run.mappings} mappings: ${run.durationMs} ms, ${billingCalls.length} HaloPSA calls, ${run.calls.gravityzone} GravityZone calls; billed ${run.billed}, skipped ${run.skipped}, failed ${run.failed}`
  )
  t.match(run, { month, billed: N + 0, failed: 0 })
  t.equal(billingCalls.filter((c) => c.status === 429).length, 0, 'HaloPSA never answered 429')
  const times = s.halopsa.state.calls.requests().map((c) => c.at)
  t.ok(
    busiestWindow(times, haloWindow.windowMs) <= haloWindow.limit,
    `poll + billing within HaloPSA's ${haloWindow.limit} per ${haloWindow.windowMs / 60_000} minutes (${busiestWindow(times, haloWindow.windowMs)})`
  )

  // The quantities landed on every invoice, and the other line was left alone.
  const invoices = [...s.halopsa.state.data().recurringInvoices.rows.values()]
  const byClient = new Map(invoices.map((i) => [i.client_id as number, i]))
  const wrong = customers.filter((c) => {
    const lines = byClient.get(c.clientId)!.lines as { _itemid: number; qty_order: number }[]
    return (
      lines.find((l) => l._itemid === 12)?.qty_order !== c.endpoints ||
      lines.find((l) => l._itemid === 20)?.qty_order !== 3
    )
  })
  t.same(wrong, [], 'every invoice carries its usage and keeps its other line')

  const again = await s.runJob(`/api/billing/run?month=${encodeURIComponent(month)}`)
  t.match(again, { billed: 0, unchanged: N + 0, failed: 0 }, 'a second run for the month changes nothing')
})
