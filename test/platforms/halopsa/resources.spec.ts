import t from 'tap'
import { demoCustomers, demoItems } from '../../../simulators/kit/demoSeed.js'
import { haloOpenApi } from '../../../simulators/halopsa/openapi.js'
import type { Row } from '../../../simulators/halopsa/state.js'
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

t.test(
  'lookups: statuses and ticket types are bare arrays; priorities are Policy rows, one per SLA, read once per number',
  async (t) => {
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
    t.same(
      await client.ticketTypes.get(25),
      { id: 25, name: 'Security Incident', initialStatusId: 1, defaultPriorityId: 2, reopenedStatusId: null },
      'no mandatory-field claim: RequestTypeField has no such property'
    )
    t.match(await client.ticketTypes.get(3), { reopenedStatusId: 2 }, 'the status a re-opened ticket of the type gets')
    t.equal(await client.ticketTypes.get(999), null)

    // Halo documents GET /Priority as a list of Policy: GUID ids, the number in priorityid, per SLA.
    const api = await rawApi(sim)
    const rows = (await api.get('/api/Priority')).json as Row[]
    t.equal(rows.length, 8, 'four priorities under each of two SLAs')
    t.ok(rows.every((r) => typeof r.id === 'string' && /^[0-9a-f-]{36}$/.test(r.id as string)))
    t.same(await client.priorities.list(), [
      { id: 1, name: 'Critical', slaIds: [1, 2] },
      { id: 2, name: 'High', slaIds: [1, 2] },
      { id: 3, name: 'Medium', slaIds: [1, 2] },
      { id: 4, name: 'Low', slaIds: [1, 2] }
    ])

    sim.state.renameStatus(9, 'Done')
    t.equal((await client.statuses.list()).find((s) => s.id === 9)?.name, 'Done')
    sim.state.removeStatus(9)
    t.notOk((await client.statuses.list()).some((s) => s.id === 9))
  }
)

t.test('a priority list in the {id, name} shape some clients read is understood too', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({
    match: 'GET /api/Priority',
    status: 200,
    body: [
      { id: 1, name: 'Critical' },
      { id: 2, name: 'High' }
    ],
    count: 1
  })
  t.same(await client.priorities.list(), [
    { id: 1, name: 'Critical', slaIds: [] },
    { id: 2, name: 'High', slaIds: [] }
  ])
})

t.test("a ticket type's fields carry only what Halo's RequestTypeField has", async (t) => {
  const { sim } = await startPair(t)
  sim.state.setMandatoryFields(1, ['category_1'])
  const api = await rawApi(sim)
  const doc = haloOpenApi()
  const documented = new Set(Object.keys(doc.components.schemas.RequestTypeField!.properties!))
  for (const id of [1, 25]) {
    const fields = ((await api.get(`/api/TicketType/${id}?includedetails=true`)).json as { fields: Row[] }).fields
    t.ok(fields.length > 0)
    t.same(
      fields.flatMap((f) => Object.keys(f)).filter((k) => !documented.has(k)),
      [],
      `ticket type ${id}: no invented properties`
    )
  }
})

t.test('a list answer that is not the documented shape is an invalid_response, not a crash', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'GET /api/Client', status: 200, body: { record_count: 'many', clients: 'none' }, count: 1 })
  const error = await platformError(client.clients.list())
  t.match(error, { kind: 'invalid_response', call: 'GET /api/Client', status: 200 })
  t.ok(Array.isArray(error.details))
})
