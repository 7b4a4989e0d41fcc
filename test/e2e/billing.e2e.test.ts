import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import type { DemoCustomer } from '../../simulators/kit/demoSeed.js'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * The billing preview and the run it predicts (docs/billing.md#preview): the preview writes nothing
 * on either platform nor in the relay, and the next run writes exactly its `update` lines; lines
 * whose quantity HaloPSA calculates are skipped with their reason; mappings with billing off are
 * reported, not written.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
const demo = (i: number): DemoCustomer => customers[i]!
const acme = demo(0)
const birch = demo(1)
const cobalt = demo(2)
const month = previousUsageMonth(usageMonth(Date.now()))
const q = `month=${encodeURIComponent(month)}`

/** Every invoice line's quantity, by invoice and item. */
const quantities = (s: E2E) => {
  const out = new Map<string, number>()
  for (const invoice of s.halopsa.state.data().recurringInvoices.rows.values())
    for (const line of invoice.lines as { _itemid: number; qty_order: number }[])
      out.set(`${invoice.id}/${line._itemid}`, line.qty_order)
  return out
}
const invoicesJson = (s: E2E) => JSON.stringify([...s.halopsa.state.data().recurringInvoices.rows.values()])
const haloSince = (s: E2E, from: number) =>
  s.halopsa.state.calls
    .requests()
    .slice(from)
    .filter((r) => !r.path.startsWith('/auth/'))
const audit = async (s: E2E, type: string): Promise<Json[]> =>
  (await s.api('GET', `/api/audit?type=${type}`)).body.items

const given = async (s: E2E) => {
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  const a: Json = await s.map(acme, { billing: true })
  // Birch also bills EDR through the per-user support item, whose line HaloPSA calculates.
  const b: Json = await s.map(birch, { billing: true, items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 20 } })
  const c: Json = await s.map(cobalt)
  return { a, b, c }
}

t.test('the preview writes nothing on either platform, and the next run writes exactly its update lines', async (t) => {
  const s = await e2e(t)
  const { a, b, c } = await given(s)
  const before = invoicesJson(s)
  const haloFrom = s.halopsa.state.calls.requests().length
  const gzBefore = s.gravityzone.calls.snapshot().calls
  const factsBefore = (await s.api('GET', '/api/audit?limit=500')).body.items.length

  const res = await s.api('GET', `/api/billing/preview?${q}`)

  t.equal(res.status, 200)
  const preview = res.body
  t.equal(preview.month, month)
  t.equal(invoicesJson(s), before, "HaloPSA's invoices are exactly as they were")
  const haloCalls = haloSince(s, haloFrom)
  t.ok(haloCalls.length > 0, 'HaloPSA was read')
  t.same(
    haloCalls.filter((r) => r.method !== 'GET'),
    [],
    'and only read'
  )
  const gzCalls = Object.entries(s.gravityzone.calls.snapshot().calls).filter(([m, n]) => n !== (gzBefore[m] ?? 0))
  t.ok(gzCalls.length > 0, 'GravityZone was read')
  t.same(
    gzCalls.map(([m]) => m).filter((m) => !/\.get\w+$/.test(m)),
    [],
    'with get* methods only'
  )
  t.equal((await s.api('GET', '/api/audit?limit=500')).body.items.length, factsBefore, 'the relay recorded nothing')

  const byId = new Map<string, Json>(preview.mappings.map((m: Json) => [m.mappingId, m]))
  t.equal(byId.size, 3, 'every mapping, billing on or off')
  t.match(byId.get(a.id), {
    customer: acme.name,
    recurringInvoiceId: a.billing.recurringInvoiceId,
    lines: [
      { itemId: 12, usage: 'endpointMonthlyUsage', gravityzoneQuantity: Number, halopsaQuantity: 0, action: 'update' }
    ]
  })
  t.notOk(byId.get(a.id).skipped)
  t.match(byId.get(b.id).lines, [
    { itemId: 12, action: 'update' },
    { itemId: 20, usage: 'edrMonthlyUsage', action: 'skip', reason: 'automatic_quantity', quantityType: 2 }
  ])
  t.match(byId.get(c.id), { skipped: 'billing-disabled', lines: [{ itemId: 12, action: 'skip' }] })
  t.match(preview.totals, { mappings: 3, billed: 2, skipped: 1, update: 2, skip: 2 })

  // When: the run for the same month.
  const quantitiesBefore = quantities(s)
  const run = await s.runJob(`/api/billing/run?${q}`)
  t.match(run, { month, mappings: 2, billed: 2, failed: 0 }, 'the run bills the mappings with billing on')

  const changed = [...quantities(s)]
    .filter(([key, qty]) => quantitiesBefore.get(key) !== qty)
    .map(([key, qty]) => `${key}=${qty}`)
    .sort()
  const predicted = preview.mappings
    .flatMap((m: Json) =>
      m.lines
        .filter((l: Json) => l.action === 'update')
        .map((l: Json) => `${m.recurringInvoiceId}/${l.itemId}=${l.gravityzoneQuantity}`)
    )
    .sort()
  t.same(changed, predicted, 'the run changed exactly the lines the preview said it would update, to its quantities')
  const billed = await audit(s, 'UsageBilled')
  t.match(
    billed.find((f) => f.data.mappingId === b.id),
    { data: { lines: [{ itemId: 12 }, { itemId: 20, skipped: 'automatic_quantity', quantityType: 2 }] } },
    'the automatic line is recorded as skipped, with its quantity type'
  )
  t.same(
    [...billed, ...(await audit(s, 'BillingSkipped'))].filter((f) => f.data.mappingId === c.id),
    [],
    'a mapping with billing off is reported by the preview, never written'
  )

  const after = (await s.api('GET', `/api/billing/preview?${q}`)).body
  t.match(after.totals, { update: 0, unchanged: 2 }, 'once billed, the preview has nothing left to update')
})

t.test('the reconciliation flags what differs, and answers CSV with Accept: text/csv', async (t) => {
  const s = await e2e(t)
  const { a, b, c } = await given(s)

  const res = await s.api('GET', `/api/billing/reconciliation?${q}`)

  t.equal(res.status, 200)
  const rows: Json[] = res.body.rows
  const of = (id: string) => rows.filter((r) => r.mappingId === id)
  t.match(of(a.id), [{ itemId: 12, billing: 'on', halopsaQuantity: 0, flags: ['under-billed'] }])
  t.ok(of(a.id)[0].difference < 0, 'under-billed: HaloPSA holds less than GravityZone counted')
  t.ok(
    of(b.id)
      .find((r) => r.itemId === 20)
      .flags.includes('automatic-quantity'),
    'a line HaloPSA calculates is flagged as such'
  )
  t.ok(
    of(c.id).every((r) => r.billing === 'off' && r.flags.includes('billing-off-with-usage')),
    'billing off, but GravityZone counts usage'
  )
  const unmapped = rows.filter((r) => r.billing === 'unmapped')
  t.ok(unmapped.length > 0, 'companies with usage and no mapping are listed')
  t.ok(unmapped.every((r) => r.flags.includes('unmapped-usage') && r.mappingId === null))
  t.match(res.body.totals, { mappings: 3, unmapped: { notChecked: 0, failed: 0 } })

  await s.runJob(`/api/billing/run?${q}`)
  const billed = (await s.api('GET', `/api/billing/reconciliation?${q}`)).body.rows
  t.same(
    billed.filter((r: Json) => r.mappingId === a.id).map((r: Json) => r.flags),
    [[]],
    'once billed, nothing differs'
  )

  const csv = await fetch(`${s.url}/api/billing/reconciliation?${q}`, {
    headers: { authorization: `Bearer ${s.token}`, accept: 'text/csv' }
  })
  t.equal(csv.status, 200)
  t.match(csv.headers.get('content-type'), /^text\/csv/)
  t.match(csv.headers.get('content-disposition'), /attachment; filename="reconciliation-\d{4}-\d{2}\.csv"/)
  const lines = (await csv.text()).trimEnd().split('\r\n')
  t.match(lines[0], /^month,customer,gravityzoneCompanyId,mappingId,/, 'a header row')
  t.equal(lines.length, billed.length + 1, 'one line per row')
  t.ok(
    lines.some((l) => l.startsWith(`${month},${acme.name},${acme.companyId},${a.id},`)),
    "a mapping's row"
  )
})

t.test('a usage change beyond BILLING_ALERT_CHANGE against last month as billed is flagged', async (t) => {
  const s = await e2e(t, { env: { BILLING_ALERT_CHANGE: '50%' } })
  const { a, b } = await given(s)
  const earlier = previousUsageMonth(month)
  const usage = s.gravityzone.state.usage
  usage.set(acme.companyId, earlier, { endpointMonthlyUsage: 10 })
  usage.set(birch.companyId, earlier, { endpointMonthlyUsage: 10 })
  await s.runJob(`/api/billing/run?month=${encodeURIComponent(earlier)}`)
  usage.set(acme.companyId, month, { endpointMonthlyUsage: 16 })
  usage.set(birch.companyId, month, { endpointMonthlyUsage: 14 })

  const preview = (await s.api('GET', `/api/billing/preview?${q}`)).body

  const jumpOf = (id: string) => preview.mappings.find((m: Json) => m.mappingId === id).usageJump
  t.match(jumpOf(a.id), { previousMonth: earlier, previous: 10, current: 16, changePercent: 60 }, '+60 % is flagged')
  t.notOk(jumpOf(b.id), '+40 % is within 50 %')
  t.equal(preview.totals.usageJumps, 1)
  const rows = (await s.api('GET', `/api/billing/reconciliation?${q}`)).body.rows
  t.ok(rows.find((r: Json) => r.mappingId === a.id).flags.includes('usage-jump'), 'the reconciliation flags it too')
  t.notOk(rows.find((r: Json) => r.mappingId === b.id).flags.includes('usage-jump'))
})
