import t from 'tap'
import { reconciliationCsv, type Reconciliation } from '../../src/services/billing/reconciliation.js'
import { chooseInvoice } from '../../src/services/billing/invoiceChoice.js'
import { splitEntries, type ProposalEntry } from '../../src/domain/billingProposals.js'
import type { RecurringInvoice } from '../../src/platforms/halopsa/schemas.js'

const row = (over: Partial<Reconciliation['rows'][number]>): Reconciliation['rows'][number] => ({
  customer: 'Acme',
  gravityzoneCompanyId: 'a'.repeat(24),
  mappingId: 'm1',
  halopsaClientId: 101,
  recurringInvoiceId: -4,
  billing: 'on',
  itemId: 12,
  usage: 'endpointMonthlyUsage',
  gravityzoneQuantity: 5,
  halopsaQuantity: 3,
  difference: -2,
  flags: ['under-billed', 'usage-jump'],
  ...over
})
const csvOf = (rows: Reconciliation['rows']) =>
  reconciliationCsv({
    month: '11/2026',
    rows,
    totals: {
      rows: rows.length,
      mappings: 1,
      flags: {} as Reconciliation['totals']['flags'],
      unmapped: { companies: 0, checked: 0, notChecked: 0, failed: 0 }
    }
  })

t.test('the reconciliation CSV has a header row, quotes what needs quoting and defuses formulas', async (t) => {
  const csv = csvOf([
    row({}),
    row({ customer: 'Caldwell, "& Sons"\nPlumbing', mappingId: null, billing: 'unmapped', halopsaQuantity: null }),
    row({ customer: '=HYPERLINK("x")' })
  ])
  const lines = csv.split('\r\n')
  t.equal(
    lines[0],
    'month,customer,gravityzoneCompanyId,mappingId,halopsaClientId,recurringInvoiceId,billing,itemId,usage,gravityzoneQuantity,halopsaQuantity,difference,flags,skipped'
  )
  t.equal(
    lines[1],
    `11/2026,Acme,${'a'.repeat(24)},m1,101,-4,on,12,endpointMonthlyUsage,5,3,-2,under-billed;usage-jump,`
  )
  t.match(csv, `"Caldwell, ""& Sons""\nPlumbing",${'a'.repeat(24)},,101,-4,unmapped,12,endpointMonthlyUsage,5,,-2,`)
  t.match(csv, `\r\n11/2026,"'=HYPERLINK(""x"")",`, 'a formula becomes text; a negative number stays a number')
  t.ok(csv.endsWith('\r\n'))
})

const invoice = (id: number, itemIds: number[], disabled = false) =>
  ({ id, clientId: 1, disabled, lines: itemIds.map((itemId) => ({ itemId })) }) as unknown as RecurringInvoice

t.test('linking chooses the only invoice, the one carrying the items, or asks among the candidates', async (t) => {
  t.match(chooseInvoice(undefined, [invoice(-1, [])], [12]), { how: 'only', invoice: { id: -1 } })
  t.match(
    chooseInvoice(undefined, [invoice(-1, []), invoice(-2, [], true)], [12]),
    { how: 'only' },
    'a disabled one does not count'
  )
  t.match(chooseInvoice(undefined, [invoice(-1, [20]), invoice(-2, [12, 20])], [12]), {
    how: 'carries-items',
    invoice: { id: -2 }
  })
  t.match(chooseInvoice(undefined, [invoice(-1, [12]), invoice(-2, [12])], [12]), {
    how: 'ambiguous',
    candidates: [{ id: -1 }, { id: -2 }]
  })
  t.match(chooseInvoice(-2, [invoice(-1, [12]), invoice(-2, [])], [12]), { how: 'linked', invoice: { id: -2 } })
  t.same(chooseInvoice(undefined, [], [12]), { how: 'none' })
})

t.test('a large proposal is split into parts that each stay under the size bound', async (t) => {
  const entry = (i: number): ProposalEntry => ({
    mappingId: `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`,
    recurringInvoiceId: -i - 1,
    lines: [
      { itemId: 12, counters: ['endpointMonthlyUsage'], quantity: i, previousQuantity: 0, action: 'update' },
      { itemId: 20, counters: ['edrMonthlyUsage'], quantity: 1, previousQuantity: 4, action: 'skip', quantityType: 2 }
    ]
  })
  const entries = Array.from({ length: 2_000 }, (_, i) => entry(i))
  const parts = splitEntries(entries, 64 * 1024)
  t.ok(parts.length > 1)
  t.same(parts.flat(), entries, 'nothing lost, order kept')
  t.ok(
    parts.every((p) => JSON.stringify(p).length <= 64 * 1024 + 1),
    'each part within the bound'
  )
})
