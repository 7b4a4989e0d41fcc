import t, { type Test } from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import type { DemoCustomer } from '../../simulators/kit/demoSeed.js'
import { apiClient } from '../../demo/stack.js'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * BILLING_APPROVAL=manual (docs/billing.md#approval): a billing run records a proposal and writes
 * nothing; approving it writes its update lines and records who approved; a proposal made before
 * the latest poll is not applied but made again.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
const acme: DemoCustomer = customers[0]!
const month = previousUsageMonth(usageMonth(Date.now()))
const q = `month=${encodeURIComponent(month)}`
const readToken = 'r'.repeat(32)

const invoicesJson = (s: E2E) => JSON.stringify([...s.halopsa.state.data().recurringInvoices.rows.values()])
const lineOf = (s: E2E, invoiceId: number, itemId: number) =>
  (
    s.halopsa.state.data().recurringInvoices.rows.get(invoiceId)!.lines as { _itemid: number; qty_order: number }[]
  ).find((l) => l._itemid === itemId)!.qty_order
const audit = async (s: E2E, type: string): Promise<Json[]> =>
  (await s.api('GET', `/api/audit?type=${type}`)).body.items

const manual = async (t: Test) => {
  const s = await e2e(t, { env: { BILLING_APPROVAL: 'manual' } })
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  const m: Json = await s.map(acme, { billing: true })
  return { s, m }
}

t.test('manual approval: the run records a proposal, and HaloPSA is written only once it is approved', async (t) => {
  const { s, m } = await manual(t)
  const before = invoicesJson(s)
  const preview = (await s.api('GET', `/api/billing/preview?${q}`)).body
  const wanted = preview.mappings[0].lines[0].gravityzoneQuantity
  t.ok(wanted > 0)

  const run = await s.runJob(`/api/billing/run?${q}`)

  t.match(run, { month, approval: 'manual', billed: 0, proposalId: String, proposed: { mappings: 1, lines: 1 } })
  t.equal(invoicesJson(s), before, 'nothing written to HaloPSA')
  t.same(await audit(s, 'UsageBilled'), [])
  const [proposed] = await audit(s, 'BillingProposed')
  t.match(proposed.data, {
    proposalId: run.proposalId,
    month,
    totals: { mappings: 1, billed: 1, update: 1 },
    plan: {
      entries: [
        {
          mappingId: m.id,
          recurringInvoiceId: m.billing.recurringInvoiceId,
          lines: [{ itemId: 12, quantity: wanted, action: 'update' }]
        }
      ]
    }
  })
  const listed = (await s.api('GET', '/api/billing/proposals')).body
  t.match(listed, { approval: 'manual', items: [{ proposalId: run.proposalId, status: 'pending', stale: false }] })
  t.equal(lineOf(s, m.billing.recurringInvoiceId, 12), 0)

  // When: an operator approves it.
  const approved = await s.api('POST', `/api/billing/proposals/${run.proposalId}/approve?wait=30`)

  t.equal(approved.status, 200)
  t.match(approved.body, { status: 'succeeded', billed: 1, proposalId: run.proposalId })
  t.equal(lineOf(s, m.billing.recurringInvoiceId, 12), wanted, 'the approved quantity is on the invoice')
  t.match(await audit(s, 'BillingProposalApproved'), [
    { data: { proposalId: run.proposalId, approvedBy: 'operator' }, metadata: { actor: 'operator' } }
  ])
  t.match((await s.api('GET', '/api/billing/proposals')).body.items, [
    { proposalId: run.proposalId, status: 'applied', approvedBy: 'operator', appliedBy: { billed: 1 } }
  ])
  const again = await s.api('POST', `/api/billing/proposals/${run.proposalId}/approve`)
  t.match(
    again,
    { status: 409, body: { error: { code: 'proposal_not_pending' } } },
    'an applied proposal is not applied twice'
  )
})

t.test('a proposal made before the latest poll is made again instead of applied stale', async (t) => {
  const { s, m } = await manual(t)
  const old = await s.runJob(`/api/billing/run?${q}`)
  // GravityZone's count changes, and the relay polls after the proposal was made.
  s.gravityzone.state.usage.set(acme.companyId, month, { endpointMonthlyUsage: 77 })
  await s.sync()
  const before = invoicesJson(s)

  const stale = await s.api('POST', `/api/billing/proposals/${old.proposalId}/approve?wait=30`)

  t.equal(stale.status, 409)
  t.match(stale.body, { error: { code: 'proposal_stale', details: { proposalId: String } } })
  const fresh = stale.body.error.details.proposalId
  t.not(fresh, old.proposalId)
  t.equal(invoicesJson(s), before, 'nothing written')
  const items = (await s.api('GET', '/api/billing/proposals')).body.items
  t.match(
    items.find((p: Json) => p.proposalId === old.proposalId),
    { status: 'superseded', supersededBy: fresh }
  )
  const [newest] = (await audit(s, 'BillingProposed')).filter((f) => f.data.proposalId === fresh)
  t.match(newest.data, { supersedes: old.proposalId, plan: { entries: [{ lines: [{ quantity: 77 }] }] } })

  const again = await s.api('POST', `/api/billing/proposals/${old.proposalId}/approve`)
  t.match(
    again.body,
    { error: { code: 'proposal_stale', details: { proposalId: fresh } } },
    'it points at the newer one'
  )
  const approved = await s.api('POST', `/api/billing/proposals/${fresh}/approve?wait=30`)
  t.equal(approved.status, 200)
  t.equal(lineOf(s, m.billing.recurringInvoiceId, 12), 77, "the fresh proposal's quantity is written")
})

t.test('approving needs the operate scope; an unknown proposal is 404', async (t) => {
  const s = await e2e(t, {
    env: { BILLING_APPROVAL: 'manual', API_TOKENS: `operator:operate:${'o'.repeat(32)},viewer:read:${readToken}` }
  })
  const operator = apiClient(s.url, 'o'.repeat(32))
  const viewer = apiClient(s.url, readToken)
  await operator('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await operator('POST', '/api/mappings', {
    gravityzoneCompanyId: acme.companyId,
    halopsaClientId: acme.clientId,
    billing: { enabled: true },
    ticketing: { enabled: false }
  })
  const run = (await operator('POST', `/api/billing/run?${q}&wait=30`)).body

  t.match(await viewer('GET', '/api/billing/proposals'), { status: 200, body: { items: [{ status: 'pending' }] } })
  t.match(await viewer('POST', `/api/billing/proposals/${run.proposalId}/approve`), {
    status: 403,
    body: { error: { code: 'insufficient_scope' } }
  })
  t.match(await operator('POST', '/api/billing/proposals/nope/approve'), {
    status: 404,
    body: { error: { code: 'proposal_not_found' } }
  })
})
