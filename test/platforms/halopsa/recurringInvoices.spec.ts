import t from 'tap'
import { managedSupportItem } from '../../../simulators/halopsa/seed.js'
import type { Row } from '../../../simulators/halopsa/state.js'
import { platformError, startPair } from './harness.js'

const linesOf = (invoice: Row | undefined) =>
  (invoice?.lines as Row[]).map((l) => ({ id: l.id, item: l._itemid, qty: l.qty_order, price: l.unit_price }))

t.test(
  'a billed client has one recurring invoice with a negative id, a line per item and an unrelated line',
  async (t) => {
    const { client } = await startPair(t)
    const [invoice, ...others] = await client.recurringInvoices.listForClient(101)
    t.equal(others.length, 0)
    t.ok(invoice!.id < 0, 'recurring invoices have negative ids')
    t.match(invoice, { clientId: 101, clientName: 'Acme Dental Group', disabled: false })
    t.same(
      invoice!.lines.map((l) => l.itemId),
      [12, 13, 14, 15, managedSupportItem.id]
    )
    t.ok(invoice!.lines.every((l) => l.invoiceId === invoice!.id))
    t.same(await client.recurringInvoices.get(invoice!.id), invoice)
    t.same(await client.recurringInvoices.listForClient(105), [], 'client 105 is not billed')
  }
)

t.test("setting quantities changes only those items' lines and keeps every other line as it was", async (t) => {
  const { sim, client } = await startPair(t)
  const id = (await client.recurringInvoices.listForClient(102))[0]!.id
  const before = linesOf(sim.state.data().recurringInvoices.get(id))
  const { invoice, changes } = await client.recurringInvoices.setLineQuantities(id, [
    { itemId: 12, quantity: 40 },
    { itemId: 13, quantity: 7 }
  ])
  t.same(
    changes.map((c) => [c.itemId, c.before, c.after]),
    [
      [12, 0, 40],
      [13, 0, 7]
    ]
  )
  const after = linesOf(sim.state.data().recurringInvoices.get(id))
  t.same(
    after,
    before.map((l) => (l.item === 12 ? { ...l, qty: 40 } : l.item === 13 ? { ...l, qty: 7 } : l)),
    'same line ids, other lines untouched'
  )
  const support = after.find((l) => l.item === managedSupportItem.id)!
  t.equal(invoice.total, Math.round((40 * 3.5 + 7 * 2.25 + Number(support.qty) * managedSupportItem.price) * 100) / 100)
})

t.test('an item with no line gets one added; the others stay', async (t) => {
  const { sim, client } = await startPair(t)
  const id = (await client.recurringInvoices.listForClient(103))[0]!.id
  const line14 = (sim.state.data().recurringInvoices.get(id)!.lines as Row[]).find((l) => l._itemid === 14)!
  t.ok(sim.state.deleteInvoiceLine(id, line14.id as number), 'a human removed the Patch Management line')
  const before = linesOf(sim.state.data().recurringInvoices.get(id))
  const { changes } = await client.recurringInvoices.setLineQuantities(id, [
    { itemId: 14, quantity: 3 },
    { itemId: 12, quantity: 9 }
  ])
  t.match(changes, [
    { itemId: 14, lineId: null, before: null, after: 3 },
    { itemId: 12, after: 9 }
  ])
  const after = linesOf(sim.state.data().recurringInvoices.get(id))
  t.equal(after.length, before.length + 1)
  t.match(
    after.find((l) => l.item === 14),
    { qty: 3, price: 1.1 }
  )
  t.same(
    after.filter((l) => l.item !== 14 && l.item !== 12),
    before.filter((l) => l.item !== 12)
  )
})

t.test('nothing to change means no write', async (t) => {
  const { sim, client } = await startPair(t)
  const id = (await client.recurringInvoices.listForClient(101))[0]!.id
  const { changes } = await client.recurringInvoices.setLineQuantities(id, [{ itemId: 12, quantity: 0 }])
  t.same(changes, [])
  t.equal(sim.state.calls.count('POST /api/RecurringInvoice'), 0)
})

t.test('a vanished invoice is a not_found error; bad input is refused before any call', async (t) => {
  const { sim, client } = await startPair(t)
  const id = (await client.recurringInvoices.listForClient(101))[0]!.id
  sim.state.deleteRecurringInvoice(id)
  t.match(await platformError(client.recurringInvoices.setLineQuantities(id, [{ itemId: 12, quantity: 1 }])), {
    kind: 'not_found',
    call: 'GET /api/RecurringInvoice/{id}'
  })
  await t.rejects(client.recurringInvoices.setLineQuantities(-2, [{ itemId: 12, quantity: -1 }]), RangeError)
  await t.rejects(
    client.recurringInvoices.setLineQuantities(-2, [
      { itemId: 12, quantity: 1 },
      { itemId: 12, quantity: 2 }
    ]),
    /twice/
  )
})

t.test(
  'a new line for an item Halo no longer has is refused with a field-keyed 400; existing lines still save',
  async (t) => {
    const { sim, client } = await startPair(t)
    const id = (await client.recurringInvoices.listForClient(106))[0]!.id
    const line14 = (sim.state.data().recurringInvoices.get(id)!.lines as Row[]).find((l) => l._itemid === 14)!
    sim.state.deleteInvoiceLine(id, line14.id as number)
    sim.state.deleteItem(14)
    sim.state.deleteItem(15)
    const error = await platformError(client.recurringInvoices.setLineQuantities(id, [{ itemId: 14, quantity: 2 }]))
    t.match(error, { kind: 'rejected', status: 400, call: 'POST /api/RecurringInvoice' })
    t.same(Object.keys(error.details as object), ['[0].lines[4]._itemid'])
    // The line for deleted item 15 is still there and does not block other updates.
    const { changes } = await client.recurringInvoices.setLineQuantities(id, [{ itemId: 12, quantity: 2 }])
    t.equal(changes.length, 1)
  }
)

t.test('setting quantities is retried after a 503 (absolute values, full line set) and lands once', async (t) => {
  const { sim, client } = await startPair(t)
  const id = (await client.recurringInvoices.listForClient(107))[0]!.id
  const count = (sim.state.data().recurringInvoices.get(id)!.lines as Row[]).length
  sim.faults.add({ match: 'POST /api/RecurringInvoice', status: 503, count: 1 })
  await client.recurringInvoices.setLineQuantities(id, [{ itemId: 12, quantity: 11 }])
  t.equal(sim.state.calls.count('POST /api/RecurringInvoice'), 2)
  t.equal((sim.state.data().recurringInvoices.get(id)!.lines as Row[]).length, count)
  t.equal((await client.recurringInvoices.get(id))!.lines.find((l) => l.itemId === 12)!.quantity, 11)
})

t.test('a recurring invoice created for a client is named after it, and can be deleted', async (t) => {
  const { client } = await startPair(t)
  const created = await client.recurringInvoices.createForClient(
    { id: 105, name: 'Elmstead Primary School' },
    { lines: [{ itemId: 12, quantity: 30 }] }
  )
  t.ok(created.id < 0)
  t.match(created, {
    clientId: 105,
    clientName: 'Elmstead Primary School',
    reference: 'Elmstead Primary School',
    total: 105
  })
  t.same(
    created.lines.map((l) => [l.itemId, l.quantity, l.unitPrice]),
    [[12, 30, 3.5]]
  )
  t.same(
    (await client.recurringInvoices.listForClient(105)).map((i) => i.id),
    [created.id]
  )
  t.equal(await client.recurringInvoices.delete(created.id), true)
  t.equal(await client.recurringInvoices.delete(created.id), false)
  t.equal(await client.recurringInvoices.get(created.id), null)
})

t.test('creating one for an unknown client is refused', async (t) => {
  const { client } = await startPair(t)
  const error = await platformError(client.recurringInvoices.createForClient({ id: 4242, name: 'Nobody' }))
  t.match(error, { kind: 'rejected', status: 400, details: { '[0].client_id': String } })
  t.match(error.message, /client_id/)
})

t.test(
  'all recurring invoices come with lines in ceil(N / page size) calls; quantities apply to one of them in one call',
  async (t) => {
    const { sim, client } = await startPair(t)
    const all = await client.recurringInvoices.all({ pageSize: 10 })
    const billed = sim.state.data().recurringInvoices.rows.size
    t.equal(all.length, billed)
    t.equal(sim.state.calls.count('GET /api/RecurringInvoice'), Math.ceil(billed / 10))
    t.ok(all.every((i) => i.id < 0 && i.lines.length === 5))

    const invoice = all.find((i) => i.clientId === 108)!
    const { changes, invoice: updated } = await client.recurringInvoices.applyLineQuantities(invoice, [
      { itemId: 12, quantity: 17 }
    ])
    t.same(changes, [{ itemId: 12, lineId: invoice.lines[0]!.id, before: 0, after: 17 }])
    t.equal(updated.lines.find((l) => l.itemId === 12)!.quantity, 17)
    t.equal(sim.state.calls.count('GET /api/RecurringInvoice/:id'), 0, 'no re-read')
    t.equal(sim.state.calls.count('POST /api/RecurringInvoice'), 1)
  }
)
