import t from 'tap'
import type { Row } from '../../../simulators/halopsa/state.js'
import { platformError, rawApi, startPair } from './harness.js'

/**
 * Whether a ticket is closed, and which ticket carries the relay's marker, are read from
 * `GET /Tickets/{id}`: real ticket lists carry list columns only.
 */

const incident = { summary: 'Malware blocked on ACME-PC-07', clientId: 101, ticketTypeId: 1 }

t.test('a ticket list row carries list columns only: no closure, no marker, no custom fields', async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create({ ...incident, thirdPartyIdString: 'gzrelay:abc' })
  sim.state.closeTicket(ticket.id)
  const api = await rawApi(sim)
  const [row] = ((await api.get('/api/Tickets?pageinate=true&page_size=10&page_no=1')).json as { tickets: Row[] })
    .tickets
  for (const hidden of ['hasbeenclosed', 'third_party_id_string', 'dateclosed', 'deleted', 'customfields'])
    t.notOk(hidden in row!, `no ${hidden} in a list row`)
  t.match(row, { id: ticket.id, status_id: 9, client_id: 101 })
  t.match((await api.get(`/api/Tickets/${ticket.id}`)).json, {
    hasbeenclosed: true,
    third_party_id_string: 'gzrelay:abc'
  })
})

t.test('state: closed, open, gone (404), and unknown when the ticket comes back without the flag', async (t) => {
  const { sim, client } = await startPair(t)
  const [open, closed] = [await client.tickets.create(incident), await client.tickets.create(incident)]
  sim.state.closeTicket(closed.id)
  t.match(await client.tickets.state(open.id), { exists: true, closed: false, statusId: 1 })
  t.match(await client.tickets.state(closed.id), { exists: true, closed: true, statusId: 9 })
  t.same(await client.tickets.state(9999), { exists: false })
  sim.faults.add({ match: `GET /api/Tickets/${open.id}`, status: 200, body: { id: open.id, status_id: 9 } })
  t.match(await client.tickets.state(open.id), { exists: true, closed: 'unknown', deleted: 'unknown', statusId: 9 })
})

t.test('closedAmong reads each closed_only candidate before believing it', async (t) => {
  const { sim, client } = await startPair(t)
  const tickets = [await client.tickets.create(incident), await client.tickets.create(incident)]
  const other = await client.tickets.create(incident)
  sim.state.closeTicket(tickets[1]!.id)
  sim.state.closeTicket(other.id)
  t.same(await client.tickets.closedAmong(tickets.map((x) => x.id)), [{ id: tickets[1]!.id, statusId: 9 }])

  // A list that ignored closed_only (every ticket comes back) still closes nothing that is open.
  const everything = [tickets[0]!, tickets[1]!].map((x) => ({ id: x.id, status_id: 1 }))
  sim.faults.add({ match: 'GET /api/Tickets', status: 200, body: { record_count: 2, tickets: everything }, count: 1 })
  const reads = sim.state.calls.count('GET /api/Tickets/:id')
  t.same(await client.tickets.closedAmong(tickets.map((x) => x.id)), [{ id: tickets[1]!.id, statusId: 9 }])
  t.equal(sim.state.calls.count('GET /api/Tickets/:id') - reads, 2, 'both candidates were read')
})

t.test('findByMarker: found, proven absent, or unknown — never a guess', async (t) => {
  const { sim, client } = await startPair(t)
  const summary = '[GravityZone] Malware detected on ACME-PC-07'
  await client.tickets.create({ ...incident, summary, thirdPartyIdString: 'gzrelay:other' })
  const ours = await client.tickets.create({ ...incident, summary, thirdPartyIdString: 'gzrelay:ours' })
  await client.tickets.create({ ...incident, summary: 'unrelated' })

  t.match(await client.tickets.findByMarker({ clientId: 101, marker: 'gzrelay:ours', summary }), {
    found: true,
    ticket: { id: ours.id }
  })
  t.match(await client.tickets.findByMarker({ clientId: 101, marker: 'gzrelay:never', summary }), {
    found: false,
    checked: 3
  })
  t.ok(
    sim.state.calls.requests().some((r) => r.url.includes('search_summary=')),
    'candidates are looked up by summary'
  )

  // The ticket comes back without its third-party id: nothing can be concluded.
  sim.faults.add({ match: `GET /api/Tickets/${ours.id}`, status: 200, body: { id: ours.id, status_id: 1 } })
  t.match(await client.tickets.findByMarker({ clientId: 101, marker: 'gzrelay:never', summary }), {
    found: 'unknown',
    reason: /third_party_id_string/
  })
  sim.faults.clear()

  // More tickets share the summary than are read: not proven absent.
  for (let i = 0; i < 3; i++) await client.tickets.create({ ...incident, summary, thirdPartyIdString: `x${i}` })
  t.match(await client.tickets.findByMarker({ clientId: 101, marker: 'gzrelay:never', summary, limit: 2 }), {
    found: 'unknown',
    reason: /share the summary/
  })
})

t.test('a note names its outcome; when the name is refused the stock id is tried, nothing else', async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create(incident)
  t.match(await client.tickets.addNote(ticket.id, 'seen again'), { outcome: 'Internal Note', hiddenFromUser: true })
  const sent = () =>
    sim.state.calls
      .requests()
      .filter((r) => r.method === 'POST' && r.path === '/api/Actions')
      .map((r) => (r.body as Row[])[0])
  t.match(sent(), [{ outcome: 'Internal Note', hiddenfromuser: true }])
  t.notOk('outcome_id' in sent()[0]!, 'by name only')

  // An instance whose outcome 7 is called something else: the name is refused, the id works.
  sim.state.data().outcomes.get(7)!.outcome = 'Private Note'
  t.match(await client.tickets.addNote(ticket.id, 'and again'), { outcomeId: 7, outcome: 'Private Note' })
  t.match(sent().slice(1), [{ outcome: 'Internal Note' }, { outcome_id: 7 }])

  // Refused both ways: the refusal is the caller's.
  sim.state.forbidOutcome(7)
  t.match(await platformError(client.tickets.addNote(ticket.id, 'once more')), { kind: 'rejected', status: 400 })
})

t.test('a new ticket is created with Faults properties only (no team_id)', async (t) => {
  const { sim, client } = await startPair(t)
  await client.tickets.create({ ...incident, agentId: 3, priorityId: 2 })
  const [body] = sim.state.calls.requests().find((r) => r.method === 'POST' && r.path === '/api/Tickets')!.body as Row[]
  t.same(Object.keys(body!).sort(), ['agent_id', 'client_id', 'priority_id', 'summary', 'tickettype_id'])
})
