import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import { demoPartner } from '../../simulators/kit/demoSeed.js'
import { e2e } from '../support/e2e.js'
import { populate } from '../support/bulk.js'
import { busiestWindow } from '../support/windows.js'

/**
 * The billing preview and the reconciliation over 2,000 mappings: HaloPSA is read in pages, so each
 * costs a few dozen HaloPSA calls, not thousands, and stays inside HaloPSA's rolling window.
 * GravityZone's licensing tier is raised on both sides as in scale.e2e.test.ts (at the real 5 req/s
 * the 2,000 usage reads are paced by the client's token bucket over 400 s). Unmapped companies cost
 * at most the reconciliation's fixed number of usage reads, however many there are.
 */

const N = 2_000
const UNMAPPED = 300
const month = previousUsageMonth(usageMonth(Date.now()))
const earlier = previousUsageMonth(month)
const haloWindow = { limit: 300, windowMs: 300_000 }
const fastLicensing = { licensing: { limit: 1_000, intervalMs: 1_000 }, general: { limit: 1_000, intervalMs: 1_000 } }
// The simulator allows twice what the relay paces itself to: requests sent at the end of one of the
// relay's seconds can arrive in the simulator's next, and the 429 and retry that follows would count
// as an extra usage read here (the retry itself is right, and tested in the transport's own tests).
const simulatorLicensing = {
  licensing: { limit: 2_000, intervalMs: 1_000 },
  general: { limit: 2_000, intervalMs: 1_000 }
}

t.test(`${N} mappings: a preview and a reconciliation within HaloPSA's budget`, async (t) => {
  const s = await e2e(t, {
    haloWindow,
    gravityzoneLimits: fastLicensing,
    gravityzoneSimulatorLimits: simulatorLicensing
  })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await populate(s, N, { month })
  for (let i = 0; i < UNMAPPED; i++) {
    const id = `c${String(i).padStart(23, '0')}`
    s.gravityzone.state.companies.create({ id, name: `Unmapped ${i}`, type: 1, parentId: demoPartner.companyId })
    s.gravityzone.state.usage.set(id, earlier, { endpointMonthlyUsage: 2 })
  }
  // The relay polls at start: the preview is measured on a running relay, not on its first call.
  await s.sync()
  const halopsa = s.relay.clients.halopsa
  const gzUsage = () => s.gravityzone.calls.of('licensing.getMonthlyUsage')

  let calls = halopsa.stats().calls
  let usageReads = gzUsage()
  let started = Date.now()
  const preview = await s.api('GET', `/api/billing/preview?month=${encodeURIComponent(month)}`)
  const previewMs = Date.now() - started
  const previewCalls = halopsa.stats().calls - calls
  t.comment(
    `preview of ${N} mappings: ${previewMs} ms, ${previewCalls} HaloPSA calls, ${gzUsage() - usageReads} usage reads`
  )
  t.equal(preview.status, 200)
  t.match(preview.body.totals, { mappings: N, billed: N, update: N })
  t.equal(preview.body.calls.halopsa, previewCalls, 'the preview reports the calls it made')
  t.ok(previewCalls <= 50, `at most 50 HaloPSA calls (${previewCalls})`)
  t.equal(gzUsage() - usageReads, N, 'one usage read per mapping')
  t.ok(previewMs < 10_000, `under 10 s (${previewMs} ms)`)

  // Another month, so that no usage read is shared with the preview.
  calls = halopsa.stats().calls
  usageReads = gzUsage()
  started = Date.now()
  const reconciliation = await s.api('GET', `/api/billing/reconciliation?month=${encodeURIComponent(earlier)}`)
  const reconciliationMs = Date.now() - started
  const reconciliationCalls = halopsa.stats().calls - calls
  const reads = gzUsage() - usageReads
  t.comment(
    `reconciliation of ${N} mappings and ${UNMAPPED} unmapped companies: ${reconciliationMs} ms, ${reconciliationCalls} HaloPSA calls, ${reads} usage reads`
  )
  t.equal(reconciliation.status, 200)
  t.match(reconciliation.body.totals, { mappings: N, unmapped: { failed: 0 } })
  const { unmapped } = reconciliation.body.totals
  t.ok(unmapped.companies >= UNMAPPED)
  t.equal(unmapped.checked + unmapped.notChecked, unmapped.companies, 'every unmapped company is counted')
  t.ok(unmapped.notChecked > 0, 'not all of them were read')
  t.equal(reads, N + unmapped.checked, 'one usage read per mapping and per unmapped company checked')
  t.ok(reconciliationCalls <= 50, `at most 50 HaloPSA calls (${reconciliationCalls})`)
  t.ok(reconciliationMs < 10_000, `under 10 s (${reconciliationMs} ms)`)

  const times = s.halopsa.state.calls.requests().map((c) => c.at)
  t.ok(busiestWindow(times, haloWindow.windowMs) <= haloWindow.limit, "inside HaloPSA's rolling window")
  t.equal(s.halopsa.state.calls.requests().filter((c) => c.status === 429).length, 0, 'HaloPSA never answered 429')
})
