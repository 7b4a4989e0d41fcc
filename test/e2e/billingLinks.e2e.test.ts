import t from 'tap'
import type { Row } from '../../simulators/halopsa/state.js'
import type { DemoCustomer } from '../../simulators/kit/demoSeed.js'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * Linking a mapping to its client's recurring invoice the moment billing is switched on, as the
 * vendor's own integration does, and "Generate Recurring Invoice" only for a missing invoice
 * (docs/billing.md#linking).
 */

// Demo customers 0-3 are billed through one recurring invoice each; 4 and 9 have none.
const demo = (i: number): DemoCustomer => customers[i]!
const acme = demo(0)
const birch = demo(1)
const cobalt = demo(2)
const dunmore = demo(3)
const elmstead = demo(4)
const juniper = demo(9)

const invoicesOf = (s: E2E, clientId: number) =>
  [...s.halopsa.state.data().recurringInvoices.rows.values()].filter((i) => i.client_id === clientId)
const invoiceWrites = (s: E2E, from: number) =>
  s.halopsa.state.calls
    .requests()
    .slice(from)
    .filter((r) => r.method !== 'GET' && r.path.startsWith('/api/RecurringInvoice'))
const audit = async (s: E2E, type: string) => (await s.api('GET', `/api/audit?type=${type}`)).body.items
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const mapped = (s: E2E, c: DemoCustomer, o?: { billing?: boolean }): Promise<any> => s.map(c, o)
const givenItems = (s: E2E) => s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })

t.test('a mapping for a client with one recurring invoice is linked to it on creation', async (t) => {
  const s = await e2e(t)
  await givenItems(s)
  const [invoice] = invoicesOf(s, acme.clientId) as [Row]
  const from = s.halopsa.state.calls.requests().length

  const m = await mapped(s, acme, { billing: true })

  t.equal(m.billing.recurringInvoiceId, invoice.id, 'the answer already names the invoice')
  t.equal(invoicesOf(s, acme.clientId).length, 1, 'no second invoice was created')
  t.same(invoiceWrites(s, from), [], 'nothing was written to HaloPSA')
  t.match(await audit(s, 'RecurringInvoiceLinked'), [
    { data: { mappingId: m.id, recurringInvoiceId: invoice.id, how: 'only' }, metadata: { actor: 'operator' } }
  ])
  await s.sync()
  t.equal((await s.api('GET', `/api/mappings/${m.id}`)).body.billing.recurringInvoiceId, invoice.id, 'the poll agrees')
  t.equal((await audit(s, 'RecurringInvoiceLinked')).length, 1, 'and links nothing again')
})

t.test('a client with no recurring invoice gets one named after it, with a line per mapped item', async (t) => {
  const s = await e2e(t)
  await givenItems(s)
  t.equal(invoicesOf(s, elmstead.clientId).length, 0)

  const m = await mapped(s, elmstead, { billing: true })

  const [created, ...more] = invoicesOf(s, elmstead.clientId) as [Row, ...Row[]]
  t.equal(more.length, 0, 'exactly one invoice')
  t.match(created, { client_name: elmstead.name, reference: elmstead.name })
  t.match(created.lines, [{ _itemid: 12, qty_order: 0 }])
  t.equal(m.billing.recurringInvoiceId, created.id)
  t.match(await audit(s, 'RecurringInvoiceLinked'), [
    { data: { mappingId: m.id, recurringInvoiceId: created.id, how: 'created', name: elmstead.name } }
  ])
})

t.test('a mapping created with billing off links nothing until billing is switched on', async (t) => {
  const s = await e2e(t)
  await givenItems(s)
  const m = await mapped(s, juniper)
  t.equal(m.billing.recurringInvoiceId, undefined)
  t.equal(invoicesOf(s, juniper.clientId).length, 0, 'no invoice created for a mapping that does not bill')

  const on = await s.api('PATCH', `/api/mappings/${m.id}`, { billing: { enabled: true } })

  t.equal(on.status, 200)
  const [created] = invoicesOf(s, juniper.clientId) as [Row]
  t.equal(on.body.billing.recurringInvoiceId, created.id, 'switched on: linked at once')
})

t.test(
  'several invoices: the one carrying the mapped items is linked; when none stands out, the operator is asked',
  async (t) => {
    const s = await e2e(t)
    await givenItems(s)
    const halopsa = s.relay.clients.halopsa
    const [carrying] = invoicesOf(s, birch.clientId) as [Row]
    await halopsa.recurringInvoices.createForClient({ id: birch.clientId, name: 'Birchwood: other services' })
    const m = await mapped(s, birch, { billing: true })
    t.equal(m.billing.recurringInvoiceId, carrying.id, 'the invoice that bills item 12 already')
    t.match(await audit(s, 'RecurringInvoiceLinked'), [{ data: { how: 'carries-items' } }])

    const first = await halopsa.recurringInvoices.createForClient({ id: juniper.clientId, name: 'Juniper: support' })
    const second = await halopsa.recurringInvoices.createForClient({ id: juniper.clientId, name: 'Juniper: hardware' })
    const from = s.halopsa.state.calls.requests().length
    const ambiguous = await mapped(s, juniper, { billing: true })
    t.equal(ambiguous.billing.recurringInvoiceId, undefined, 'nothing linked')
    t.same(invoiceWrites(s, from), [], 'and nothing created')
    const [event] = await s.event('recurring-invoice-missing', 'active')
    t.match(event, {
      subject: { mappingId: ambiguous.id },
      details: {
        candidates: [
          { recurringInvoiceId: first.id, reference: 'Juniper: support' },
          { recurringInvoiceId: second.id, reference: 'Juniper: hardware' }
        ]
      }
    })

    // The operator links one: the event closes.
    await s.api('PATCH', `/api/mappings/${ambiguous.id}`, { billing: { recurringInvoiceId: second.id } })
    await s.sync()
    t.match((await s.api('GET', `/api/events/${event.id}`)).body, { status: 'closed' })
  }
)

t.test(
  'Generate on a mapping whose invoice exists answers 409 invoice_exists and leaves HaloPSA as it was',
  async (t) => {
    const s = await e2e(t)
    await givenItems(s)
    const m = await mapped(s, cobalt, { billing: true })
    const before = JSON.stringify([...s.halopsa.state.data().recurringInvoices.rows.values()])
    const from = s.halopsa.state.calls.requests().length

    const res = await s.api('POST', `/api/mappings/${m.id}/recurring-invoice`)

    t.equal(res.status, 409)
    t.match(res.body, {
      error: { code: 'invoice_exists', details: { recurringInvoiceId: m.billing.recurringInvoiceId } }
    })
    t.equal(JSON.stringify([...s.halopsa.state.data().recurringInvoices.rows.values()]), before, 'HaloPSA unchanged')
    t.same(invoiceWrites(s, from), [])
    t.equal((await s.api('GET', `/api/mappings/${m.id}`)).body.billing.recurringInvoiceId, m.billing.recurringInvoiceId)
    t.same(await audit(s, 'RecurringInvoiceGenerated'), [], 'nothing recorded')

    // Once the invoice is gone from HaloPSA, Generate makes one.
    s.halopsa.state.deleteRecurringInvoice(m.billing.recurringInvoiceId)
    const generated = await s.api('POST', `/api/mappings/${m.id}/recurring-invoice`)
    t.equal(generated.status, 200)
    t.not(generated.body.billing.recurringInvoiceId, m.billing.recurringInvoiceId)
    t.equal(invoicesOf(s, cobalt.clientId).length, 1)
  }
)

t.test('HaloPSA down while billing is switched on: the mapping is saved, and the next poll links it', async (t) => {
  const s = await e2e(t)
  await givenItems(s)
  s.halopsa.faults.add({ match: 'GET /api/RecurringInvoice', status: 503, count: 10 })
  const m = await mapped(s, dunmore, { billing: true })
  t.equal(m.billing.recurringInvoiceId, undefined, 'not linked yet')
  s.halopsa.faults.clear()
  const poll = await s.sync()
  const [invoice] = invoicesOf(s, dunmore.clientId) as [Row]
  t.equal((await s.api('GET', `/api/mappings/${m.id}`)).body.billing.recurringInvoiceId, invoice.id)
  t.match(
    await audit(s, 'RecurringInvoiceLinked'),
    [{ data: { how: 'only' }, metadata: { correlationId: poll.runId } }],
    'linked by the poll'
  )
})
