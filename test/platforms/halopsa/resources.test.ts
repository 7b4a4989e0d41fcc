import t from 'tap'
import { demoCustomers, demoItems } from '../../../simulators/kit/demoSeed.js'
import { platformError, rawApi, startPair } from './harness.js'

const halopsaClients = demoCustomers.filter((c) => c.on !== 'gravityzone')

t.test('all clients come in ceil(N / page size) calls with the envelope parsed', async (t) => {
  const { sim, client } = await startPair(t)
  const all = await client.clients.all({ pageSize: 10 })
  t.equal(all.length, halopsaClients.length)
  t.same(
    all.map((c) => c.id),
    halopsaClients.map((c) => c.clientId),
    'ids as the demo seed gives them'
  )
  t.equal(sim.state.calls.count('GET /api/Client'), Math.ceil(halopsaClients.length / 10))

  const page = await client.clients.list({ pageNo: 2, pageSize: 5 })
  t.equal(page.recordCount, halopsaClients.length)
  t.same(
    page.records.map((c) => c.name),
    halopsaClients.slice(5, 10).map((c) => c.name)
  )
  t.same(
    (await client.clients.list({ search: 'dental' })).records.map((c) => c.name),
    ['Acme Dental Group', 'Ivybridge Dental Lab']
  )
})

t.test(
  'an inactivated client drops out of the default list, shows with includeInactive, and reads as inactive',
  async (t) => {
    const { sim, client } = await startPair(t)
    t.ok(sim.state.updateClient(103, { inactive: true }))
    const active = await client.clients.all()
    t.notOk(active.some((c) => c.id === 103))
    const everyone = await client.clients.all({ includeInactive: true })
    t.match(
      everyone.find((c) => c.id === 103),
      { name: 'Cobalt Logistics', inactive: true }
    )
    t.match(await client.clients.get(103), { id: 103, inactive: true })
  }
)

t.test('a deleted or unknown client is null, not an error', async (t) => {
  const { sim, client } = await startPair(t)
  t.equal(await client.clients.get(99_999), null)
  t.ok(sim.state.deleteClient(104))
  t.equal(await client.clients.get(104), null)
  t.equal(sim.state.calls.requests().filter((r) => r.status === 404).length, 2)
})

t.test('items: list, get, and null once a human deletes one', async (t) => {
  const { sim, client } = await startPair(t)
  const items = await client.items.all()
  t.same(
    items.filter((i) => demoItems.some((d) => d.id === i.id)).map((i) => [i.id, i.basePrice]),
    demoItems.map((d) => [d.id, d.price])
  )
  t.match(await client.items.get(13), { id: 13, name: demoItems[1]!.name, isRecurringItem: true })
  const page = await client.items.list({ pageNo: 2, pageSize: 2 })
  t.same([page.recordCount, page.records.map((i) => i.id)], [items.length, [14, 15]])
  sim.state.deleteItem(13)
  t.equal(await client.items.get(13), null)
})

t.test('ids as "3" or 3.0 and capitalised keys parse the same as clean answers', async (t) => {
  const { sim, client } = await startPair(t)
  const clean = {
    client: await client.clients.get(101),
    invoice: (await client.recurringInvoices.listForClient(101))[0],
    ticketType: await client.ticketTypes.get(25)
  }
  const api = await rawApi(sim)
  const variants = [
    { quirks: { ids: 'string', keys: 'as-is' }, shows: '"id":"101"' },
    { quirks: { ids: 'float', keys: 'as-is' }, shows: '"id":101.0' },
    { quirks: { ids: 'number', keys: 'capitalised' }, shows: '"Id":101' }
  ] as const
  for (const { quirks, shows } of variants) {
    sim.state.setQuirks(quirks)
    t.ok((await api.get('/api/Client/101')).text.includes(shows), `the answer really shows ${shows}`)
    t.same(await client.clients.get(101), clean.client, `client with ${JSON.stringify(quirks)}`)
    const invoice = (await client.recurringInvoices.listForClient(101))[0]!
    t.equal(invoice.id, clean.invoice!.id)
    t.same(
      invoice.lines.map((l) => [l.id, l.itemId, l.quantity]),
      clean.invoice!.lines.map((l) => [l.id, l.itemId, l.quantity])
    )
    t.same(await client.ticketTypes.get(25), clean.ticketType)
  }
})

t.test('lookups: statuses, ticket types and priorities are bare arrays; a type has mandatory fields', async (t) => {
  const { sim, client } = await startPair(t)
  const statuses = await client.statuses.list()
  t.match(
    statuses.find((s) => s.id === 9),
    { name: 'Closed', shortName: 'Closed' }
  )
  t.notOk((await client.statuses.list({ excludeClosed: true })).some((s) => s.id === 9))
  t.same(
    (await client.ticketTypes.list()).map((tt) => tt.name),
    ['Incident', 'Service Request', 'Security Incident']
  )
  t.same(await client.ticketTypes.get(25), {
    id: 25,
    name: 'Security Incident',
    initialStatusId: 1,
    defaultPriorityId: 2,
    mandatoryFields: ['category_1', 'impact', 'urgency']
  })
  t.equal(await client.ticketTypes.get(999), null)
  t.same(
    (await client.priorities.list()).map((p) => p.name),
    ['Critical', 'High', 'Medium', 'Low']
  )

  sim.state.renameStatus(9, 'Done')
  sim.state.setMandatoryFields(1, ['category_1'])
  t.equal((await client.statuses.list()).find((s) => s.id === 9)?.name, 'Done')
  t.same((await client.ticketTypes.get(1))?.mandatoryFields, ['category_1'])
  sim.state.removeStatus(9)
  t.notOk((await client.statuses.list()).some((s) => s.id === 9))
})

t.test('a list answer that is not the documented shape is an invalid_response, not a crash', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'GET /api/Client', status: 200, body: { record_count: 'many', clients: 'none' }, count: 1 })
  const error = await platformError(client.clients.list())
  t.match(error, { kind: 'invalid_response', call: 'GET /api/Client', status: 200 })
  t.ok(Array.isArray(error.details))
})
