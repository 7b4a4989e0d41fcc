import t from 'tap'
import { rawApi, startPair } from './harness.js'

/** HaloPSA assets through the relay's client, against the simulator (docs/platforms/halopsa.md#assets). */

t.test("a client's assets are listed in pages with their tag, key field and type fields", async (t) => {
  const { sim, client } = await startPair(t)
  const mine = [...sim.state.data().assets.rows.values()].filter((a) => a.client_id === 101)
  t.ok(mine.length > 2, 'the demo seed gives the client several assets')

  const all = await client.assets.all({ clientId: 101, pageSize: 2 })
  t.same(all.map((a) => a.id).sort(), mine.map((a) => a.id).sort())
  const first = all.find((a) => a.id === mine[0]!.id)!
  t.match(first, {
    inventoryNumber: mine[0]!.inventory_number,
    keyField: mine[0]!.key_field,
    clientId: 101,
    assetTypeName: 'Workstation'
  })
  t.ok(
    first.fields.some((f) => f.name === 'MAC Address' && /^[0-9A-F:]{17}$/.test(f.value ?? '')),
    'type fields read'
  )

  const calls = sim.state.calls.requests().filter((r) => r.method === 'GET' && r.route === '/api/Asset')
  t.equal(calls.length, Math.ceil(mine.length / 2), 'one call per page')
  t.ok(
    calls.every((c) => /client_id=101/.test(c.url) && /includeassetfields=true/.test(c.url)),
    'asked for the client and its fields'
  )
})

t.test('an inactive asset is left out of the list', async (t) => {
  const { sim, client } = await startPair(t)
  const row = [...sim.state.data().assets.rows.values()].find((a) => a.client_id === 102)!
  row.inactive = true
  const listed = await client.assets.all({ clientId: 102, pageSize: 50 })
  t.notOk(listed.some((a) => a.id === row.id))
})

t.test('a ticket created with an asset carries it, on create and on GET /api/Tickets/{id}', async (t) => {
  const { sim, client } = await startPair(t)
  const asset = [...sim.state.data().assets.rows.values()].find((a) => a.client_id === 101)!
  const ticket = await client.tickets.create({
    summary: 'Malware blocked',
    clientId: 101,
    ticketTypeId: 1,
    assets: [asset.id as number]
  })
  t.same(ticket.assetIds, [asset.id])
  t.same((await client.tickets.get(ticket.id))?.assetIds, [asset.id])
  const stored = sim.state.data().tickets.get(ticket.id)!
  t.match(stored.assets, [{ id: asset.id, inventory_number: asset.inventory_number, key_field: asset.key_field }])
})

t.test('a ticket naming an asset HaloPSA does not have is created again without it', async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create({ summary: 'Malware', clientId: 101, ticketTypeId: 1, assets: [999999] })
  t.same(ticket.assetIds, [])
  t.equal(sim.state.data().tickets.rows.size, 1, 'one ticket, written by the second attempt')
  const posts = sim.state.calls.requests().filter((r) => r.method === 'POST' && r.route === '/api/Tickets')
  t.equal(posts.length, 2)
})

t.test('the simulator creates assets from a POSTed array and refuses one without a valid client', async (t) => {
  const { sim } = await startPair(t)
  const api = await rawApi(sim)
  const created = await api.post('/api/Asset', [
    { client_id: 103, inventory_number: 'TAG-1', fields: [{ id: 101, value: 'COBA-LT01' }] }
  ])
  t.equal(created.status, 200)
  t.match(created.json, { inventory_number: 'TAG-1', key_field: 'COBA-LT01', client_id: 103 })
  t.ok([...sim.state.data().assets.rows.values()].some((a) => a.inventory_number === 'TAG-1'))
  const refused = await api.post('/api/Asset', [{ client_id: 99999, inventory_number: 'TAG-2' }])
  t.equal(refused.status, 400)
  t.match(refused.json, { '[0].client_id': String })
})
