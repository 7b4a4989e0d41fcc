import t from 'tap'
import { request } from 'undici'
import type { Row } from '../../../simulators/halopsa/state.js'
import { rawApi, startSimulator } from './harness.js'

/** The simulator's Halo behaviour over raw HTTP (docs/testing.md#the-simulators), where the client does not go. */

t.test('paths are case-insensitive and every /api call needs a Bearer token', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  for (const path of ['/api/Client/101', '/api/client/101', '/API/CLIENT/101'])
    t.match((await api.get(path)).json, { id: 101, name: 'Acme Dental Group' }, path)
  const anonymous = await request(`${sim.url}/api/Client/101`)
  t.equal(anonymous.statusCode, 401)
  await anonymous.body.dump()
  const info = await request(`${sim.url}/api/authinfo`)
  t.same(await info.body.json(), { auth_url: `${sim.url}/auth`, tenant_id: '' }, 'discovery needs no token')
})

t.test(
  'lists: envelope with record_count, paging, count, search, order and idonly; lookups are bare arrays',
  async (t) => {
    const sim = await startSimulator(t)
    const api = await rawApi(sim)
    const page = (await api.get('/api/Client?pageinate=true&page_size=3&page_no=2')).json as {
      record_count: number
      clients: Row[]
    }
    t.equal(page.record_count, 37)
    t.same(
      page.clients.map((c) => c.id),
      [104, 105, 106]
    )
    t.equal(((await api.get('/api/Client?count=4')).json as { clients: Row[] }).clients.length, 4)
    t.same(((await api.get('/api/Client?idonly=true&count=2')).json as { clients: Row[] }).clients, [
      { id: 101 },
      { id: 102 }
    ])
    t.same(
      ((await api.get('/api/Client?search=brew')).json as { clients: Row[] }).clients.map((c) => c.name),
      ['Mapleton Brewery']
    )
    const desc = ((await api.get('/api/Client?order=name&orderdesc=true&count=1')).json as { clients: Row[] }).clients
    t.equal(desc[0]!.name, 'Zenith Recruitment')
    t.ok(Array.isArray((await api.get('/api/Status')).json), 'Status is a bare array')
    t.ok(Array.isArray((await api.get('/api/TicketType')).json))
    t.ok(Array.isArray((await api.get('/api/Priority')).json))
    t.same(Object.keys((await api.get('/api/Item')).json), ['record_count', 'items'])
  }
)

t.test('tickets: page_size above 100 is clamped, or refused when configured', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  await api.post(
    '/api/Tickets',
    Array.from({ length: 120 }, (_, i) => ({ summary: `t${i}`, client_id: 101, tickettype_id: 1 }))
  )
  const clamped = (await api.get('/api/Tickets?pageinate=true&page_size=500')).json as {
    tickets: Row[]
    page_size: number
    record_count: number
  }
  t.equal(clamped.tickets.length, 100)
  t.equal(clamped.record_count, 120)
  sim.state.setBehaviour({ ticketPageSize: 'reject' })
  const refused = await api.get('/api/Tickets?pageinate=true&page_size=500')
  t.equal(refused.status, 400)
  t.match(refused.json, { page_size: String })
})

t.test(
  'POST takes an array: an object is refused; several elements answer an array; unknown ids 404 (or 400)',
  async (t) => {
    const sim = await startSimulator(t)
    const api = await rawApi(sim)
    const object = await api.post('/api/Client', { name: 'Not an array' })
    t.equal(object.status, 400)
    t.match(object.json, { $: /array/ })
    const two = await api.post('/api/Client', [{ name: 'One' }, { name: 'Two' }])
    t.ok(Array.isArray(two.json))
    t.same(
      (two.json as Row[]).map((c) => c.name),
      ['One', 'Two']
    )
    const renamed = await api.post('/api/Client', [{ id: (two.json as Row[])[0]!.id, name: 'Uno' }])
    t.match(renamed.json, { name: 'Uno', inactive: false }, 'a partial update keeps other fields')
    const unknown = await api.post('/api/Client', [{ id: 4242, name: 'Ghost' }])
    t.equal(unknown.status, 404)
    t.match(unknown.json, { '[0].id': String })
    sim.state.setBehaviour({ unknownIdStatus: 400 })
    t.equal((await api.post('/api/Client', [{ id: 4242, name: 'Ghost' }])).status, 400)
    t.same(
      (await api.post('/api/Client', [{ name: '' }])).json,
      { '[0].name': 'A name must be entered' },
      'a field-keyed 400'
    )
  }
)

t.test('DELETE answers the deleted object; tickets are soft-deleted and restorable', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  const deleted = await api.delete('/api/Item/14')
  t.match(deleted.json, { id: 14 })
  t.equal((await api.get('/api/Item/14')).status, 404)
  t.equal((await api.delete('/api/Item/14')).status, 404)

  const ticket = (await api.post('/api/Tickets', [{ summary: 'soft', client_id: 101, tickettype_id: 1 }])).json as Row
  t.match((await api.delete(`/api/Tickets/${String(ticket.id)}?reason=duplicate`)).json, {
    id: ticket.id,
    deleted: true,
    deleted_reason: 'duplicate'
  })
  t.same(((await api.get('/api/Tickets')).json as { tickets: Row[] }).tickets, [])
  t.same(
    ((await api.get('/api/Tickets?deleted=true')).json as { tickets: Row[] }).tickets.map((x) => x.id),
    [ticket.id]
  )
  t.match(
    (await api.get(`/api/Tickets/${String(ticket.id)}`)).json,
    { deleted: true },
    'a deleted ticket stays readable'
  )
  await api.post('/api/Tickets', [{ id: ticket.id, _recover: true, _validate_updates: true }])
  t.same(
    ((await api.get('/api/Tickets')).json as { tickets: Row[] }).tickets.map((x) => x.id),
    [ticket.id]
  )
})

t.test('client delete can be refused while the client has tickets or invoices', async (t) => {
  const sim = await startSimulator(t, { behaviour: { clientDelete: 'refuse-when-linked' } })
  const api = await rawApi(sim)
  const refused = await api.delete('/api/Client/101')
  t.equal(refused.status, 400)
  t.match(refused.json, { id: /cannot be deleted/ })
  t.equal((await api.delete('/api/Client/105')).status, 200, 'client 105 has no invoice')
})

t.test(
  'recurring invoices: posting lines replaces the set; updatelines edits one; process makes an invoice',
  async (t) => {
    const sim = await startSimulator(t)
    const api = await rawApi(sim)
    const invoice = (await api.get('/api/RecurringInvoice/-1')).json as Row & { lines: Row[] }
    t.equal(invoice.lines.length, 5)
    t.equal(
      ((await api.get('/api/RecurringInvoice?client_id=101')).json as { invoices: Row[] }).invoices[0]!.lines,
      undefined,
      'lines only with includelines'
    )
    t.equal(
      (
        (await api.get('/api/RecurringInvoice?client_id=101&includelines=true')).json as {
          invoices: (Row & { lines: Row[] })[]
        }
      ).invoices[0]!.lines.length,
      5
    )

    const line = invoice.lines[0]!
    const replaced = (await api.post('/api/RecurringInvoice', [{ id: -1, lines: [{ ...line, qty_order: 12 }] }]))
      .json as Row & { lines: Row[] }
    t.same(
      replaced.lines.map((l) => [l.id, l.qty_order]),
      [[line.id, 12]],
      'lines omitted from the post are gone'
    )

    const updated = (await api.post('/api/RecurringInvoice/updatelines', [{ id: line.id, qty_order: 20 }])).json as Row
    t.match(updated, { id: line.id, ihid: -1, qty_order: 20, net_amount: 70 })
    t.match((await api.post('/api/RecurringInvoice/Lines', [{ ihid: -1, _itemid: 13, qty_order: 2 }])).json, {
      ihid: -1,
      _itemid: 13,
      unit_price: 2.25
    })

    const processed = (await api.post('/api/RecurringInvoice/process', [-1])).json as Row & { lines: Row[] }
    t.ok((processed.id as number) > 0, 'a real invoice has a positive id')
    t.match(processed, { client_id: 101, recurring_invoice_id: -1, total: 74.5 })
    t.same(
      ((await api.get('/api/Invoice?client_id=101')).json as { invoices: Row[] }).invoices.map((i) => i.id),
      [processed.id]
    )
    t.notMatch(((await api.get('/api/RecurringInvoice/-1')).json as Row).lastcreated, /^1899/)
  }
)

t.test('external links show on their client; software licences have their own list', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  await api.post('/api/ExternalLink', [
    { table_id: 2, module_id: 0, halo_id: 101, third_party_id: 'gz-abc', third_party_desc: 'GravityZone' }
  ])
  t.match((await api.get('/api/Client/101')).json, { external_links: [{ halo_id: 101, third_party_id: 'gz-abc' }] })
  t.same(
    ((await api.get('/api/ExternalLink?third_party_id=gz-abc')).json as Row[]).map((l) => l.halo_id),
    [101]
  )
  await api.post('/api/SoftwareLicence', [{ name: 'GravityZone BS', client_id: 101, count: 42 }])
  t.match((await api.get('/api/SoftwareLicence?client_id=101')).json, {
    record_count: 1,
    licences: [{ count: 42, client_name: 'Acme Dental Group' }]
  })
})

t.test('the rate limit applies to /auth/token and /api/authinfo too, with Retry-After when switched on', async (t) => {
  const sim = await startSimulator(t, { rateLimit: { limit: 2, windowMs: 60_000, retryAfter: true } })
  t.equal((await (await request(`${sim.url}/api/authinfo`)).body.text()).length > 0, true)
  await (await request(`${sim.url}/api/authinfo`)).body.dump()
  const third = await request(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  t.equal(third.statusCode, 429)
  t.equal(third.headers['retry-after'], '60')
  t.match(await third.body.text(), /Rate Limit Reached - 2 Requests per rolling 1 minute window/)
  sim.state.setRateLimit({ retryAfter: false })
  const fourth = await request(`${sim.url}/api/authinfo`)
  t.equal(fourth.headers['retry-after'], undefined)
  await fourth.body.dump()
})

t.test('control routes and faults work over HTTP', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  const control = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
    request(sim.url + path, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
    }).then(async (r) => ({ status: r.statusCode, text: await r.body.text() }))

  t.equal((await control('PATCH', '/_sim/clients/102', { name: 'Birchwood Legal' })).status, 204)
  t.match((await api.get('/api/Client/102')).json, { name: 'Birchwood Legal' })
  t.equal((await control('DELETE', '/_sim/clients/102')).status, 204)
  t.equal((await api.get('/api/Client/102')).status, 404)
  t.equal((await control('DELETE', '/_sim/clients/102')).status, 404)
  t.equal((await control('PATCH', '/_sim/clients/103', { name: 7 })).status, 400)
  t.equal((await control('PUT', '/_sim/ticket-types/1/mandatory-fields', { fields: ['impact'] })).status, 204)
  t.match((await api.post('/api/Tickets', [{ summary: 'x', client_id: 101, tickettype_id: 1 }])).json, {
    '[0].impact': String
  })

  t.equal((await control('POST', '/_sim/faults', { match: 'GET /api/Status', status: 503, count: 1 })).status, 201)
  t.equal((await api.get('/api/status')).status, 503)
  t.equal((await api.get('/api/status')).status, 200)
  await control('POST', '/_sim/faults', { match: 'GET /api/Status', status: 500 })
  await control('DELETE', '/_sim/faults')
  t.equal((await api.get('/api/Status')).status, 200)

  const calls = JSON.parse(await request(`${sim.url}/_sim/calls`).then((r) => r.body.text())) as {
    counts: Record<string, number>
  }
  t.equal(calls.counts['GET /api/Status'], 3)
  t.equal((await control('POST', '/_sim/tokens/revoke')).status, 200)
  t.equal((await api.get('/api/Status')).status, 401)
})

t.test(
  "request bodies are bound to Halo's published schemas: a value of the wrong type is a field-keyed 400",
  async (t) => {
    const sim = await startSimulator(t)
    const api = await rawApi(sim)
    const ticket = { summary: 'x', client_id: 101, tickettype_id: 1 }
    const wrong = await api.post('/api/Tickets', [{ ...ticket, client_id: 'Acme', impact: { level: 2 } }])
    t.equal(wrong.status, 400)
    t.match(wrong.json, { '[0].client_id': /integer/, '[0].impact': /integer/ })
    t.equal(sim.state.data().tickets.rows.size, 0, 'nothing written')
    t.match(await api.post('/api/Actions', [{ ticket_id: 1, outcome_id: 'Internal Note', note: 'x' }]), {
      status: 400,
      json: { '[0].outcome_id': /integer/ }
    })
    // What a .NET binder converts is accepted: numbers as text, and properties Halo does not have are ignored.
    t.match(await api.post('/api/Tickets', [{ ...ticket, client_id: '101', not_a_halo_field: true }]), {
      status: 200,
      json: { client_id: 101 }
    })
    t.match(await api.post('/api/RecurringInvoice/process', [{ id: -1 }]), {
      status: 400,
      json: { '[0]': /integer/ }
    })
  }
)

t.test('an inactivated item leaves the default item list but is still found by id', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  t.ok(sim.state.setItemInactive(13, true))
  const ids = async (query: string) =>
    ((await api.get(`/api/Item${query}`)).json as { items: Row[] }).items.map((i) => i.id)
  t.notOk((await ids('')).includes(13))
  t.ok((await ids('?includeactive=true&includeinactive=true')).includes(13))
  t.same(await ids('?includeactive=false&includeinactive=true'), [13])
  t.match((await api.get('/api/Item/13')).json, { id: 13 })
})

t.test('a recurring-invoice line whose quantity Halo calculates keeps it whatever is posted', async (t) => {
  const sim = await startSimulator(t)
  const api = await rawApi(sim)
  const invoice = (await api.get('/api/RecurringInvoice/-1')).json as { lines: Row[] }
  const support = invoice.lines.find((l) => l.recurring_invoice_quantity_type === 2)!
  const posted = invoice.lines.map((l) => (l.id === support.id ? { ...l, qty_order: 999 } : l))
  const after = (await api.post('/api/RecurringInvoice', [{ id: -1, lines: posted }])).json as { lines: Row[] }
  t.equal(after.lines.find((l) => l.id === support.id)!.qty_order, support.qty_order)
})
