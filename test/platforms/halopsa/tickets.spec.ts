import t from 'tap'
import { platformError, startPair } from './harness.js'

const incident = {
  summary: 'Malware blocked on ACME-PC-07',
  details: 'Trojan.GenericKD blocked',
  clientId: 101,
  ticketTypeId: 1
}

t.test("a created ticket comes back as one object with the type's initial status and no closed date", async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create({
    ...incident,
    thirdPartyIdString: 'gz:evt:1',
    customFields: [{ id: 5, value: 'av' }]
  })
  t.match(ticket, {
    summary: incident.summary,
    clientId: 101,
    ticketTypeId: 1,
    statusId: 1,
    priorityId: 3,
    hasBeenClosed: false,
    dateClosed: null,
    thirdPartyIdString: 'gz:evt:1',
    deleted: false
  })
  t.same(ticket.customFields, [{ id: 5, name: null, value: 'av' }])
  t.same(await client.tickets.get(ticket.id), ticket)
  t.equal(await client.tickets.get(9999), null)
  t.equal(sim.state.data().tickets.rows.size, 1)
})

t.test(
  'a ticket type with mandatory fields refuses a ticket without them: a field-keyed 400, not retried',
  async (t) => {
    const { sim, client } = await startPair(t)
    const error = await platformError(client.tickets.create({ ...incident, ticketTypeId: 25 }))
    t.match(error, { platform: 'halopsa', call: 'POST /api/Tickets', kind: 'rejected', status: 400 })
    t.same(Object.keys(error.details as object).sort(), ['[0].category_1', '[0].impact', '[0].urgency'])
    t.match(error.message, /\[0\]\.category_1: category_1 is mandatory for Ticket Type 'Security Incident'/)
    t.notOk(error.transient)
    t.equal(sim.state.calls.count('POST /api/Tickets'), 1)

    t.match(
      await client.tickets.create({
        ...incident,
        ticketTypeId: 25,
        category1: 'Security>Malware',
        impact: 2,
        urgency: 2
      }),
      { ticketTypeId: 25, priorityId: 2 }
    )
    t.match(await client.tickets.create({ ...incident, ticketTypeId: 25, noValidate: true }), { ticketTypeId: 25 })
    sim.state.setMandatoryFields(1, ['category_1'])
    t.match(await platformError(client.tickets.create(incident)), { details: { '[0].category_1': String } })
  }
)

t.test('missing summary, unknown client and unknown type are each named by field', async (t) => {
  const { client } = await startPair(t)
  const error = await platformError(client.tickets.create({ summary: ' ', clientId: 4242, ticketTypeId: 77 }))
  t.same(Object.keys(error.details as object).sort(), ['[0].client_id', '[0].summary', '[0].tickettype_id'])
})

t.test(
  'update changes only the given fields; close sets the closed status, hasbeenclosed and dateclosed',
  async (t) => {
    const { client } = await startPair(t)
    const ticket = await client.tickets.create(incident)
    const updated = await client.tickets.update(ticket.id, { summary: 'Malware blocked (2 endpoints)' })
    t.match(updated, { summary: 'Malware blocked (2 endpoints)', details: incident.details, statusId: 1 })
    const closed = await client.tickets.close(ticket.id, { statusId: 9 })
    t.match(closed, { statusId: 9, hasBeenClosed: true })
    t.match(closed.dateClosed, /^\d{4}-\d{2}-\d{2}T/)
    t.match(
      await client.tickets.close(ticket.id, { statusId: 9 }),
      { statusId: 9, hasBeenClosed: true },
      'closing twice is harmless'
    )
    const reopened = await client.tickets.update(ticket.id, { status_id: 2 })
    t.match(reopened, { statusId: 2, hasBeenClosed: false, dateClosed: null })
  }
)

t.test('closing fails with a field-keyed 400 when the instance has no such status', async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create(incident)
  sim.state.removeStatus(9)
  const error = await platformError(client.tickets.close(ticket.id, { statusId: 9 }))
  t.match(error, { kind: 'rejected', status: 400, details: { '[0].status_id': /does not exist/ } })
})

t.test('an instance whose closed status is not 9 closes tickets with its own status', async (t) => {
  const { sim, client } = await startPair(t)
  sim.state.removeStatus(9)
  const closedId = sim.state.addStatus({ id: 30, name: 'Closed' })
  sim.state.setClosedStatus(closedId)
  const statuses = await client.statuses.list()
  t.same(
    statuses.filter((s) => s.name === 'Closed').map((s) => s.id),
    [30],
    'discoverable by name'
  )
  const ticket = await client.tickets.create(incident)
  t.match(await client.tickets.close(ticket.id, { statusId: 30 }), { statusId: 30, hasBeenClosed: true })
})

t.test('updating or closing a ticket that does not exist is not_found', async (t) => {
  const { client } = await startPair(t)
  t.match(await platformError(client.tickets.close(4242, { statusId: 9 })), {
    kind: 'not_found',
    status: 404,
    call: 'POST /api/Tickets'
  })
})

t.test('actions need an outcome, can change the status, and can be forbidden to the API agent', async (t) => {
  const { sim, client } = await startPair(t)
  const ticket = await client.tickets.create(incident)
  const note = await client.tickets.addAction({
    ticketId: ticket.id,
    note: 'Seen again on ACME-PC-07',
    outcome: 'Internal Note',
    hiddenFromUser: true
  })
  t.match(note, {
    ticketId: ticket.id,
    outcome: 'Internal Note',
    outcomeId: 7,
    hiddenFromUser: true,
    note: 'Seen again on ACME-PC-07'
  })

  const noOutcome = await platformError(client.tickets.addAction({ ticketId: ticket.id, note: 'x' }))
  t.match(noOutcome, { kind: 'rejected', details: { '[0].outcome': 'An Outcome must be entered for this Action' } })

  const closing = await client.tickets.addAction({
    ticketId: ticket.id,
    note: 'Threat blocked, closing',
    outcomeId: 9,
    newStatusId: 9
  })
  t.equal(closing.newStatusId, 9)
  t.match(await client.tickets.get(ticket.id), { statusId: 9, hasBeenClosed: true })

  sim.state.forbidOutcome(7)
  t.match(await platformError(client.tickets.addAction({ ticketId: ticket.id, note: 'x', outcomeId: 7 })), {
    details: { '[0].outcome': /do not have access/ }
  })
  t.match(await platformError(client.tickets.addAction({ ticketId: 4242, note: 'x', outcomeId: 1 })), {
    details: { '[0].ticket_id': String }
  })
})

t.test('list filters: open only, closed only, by client and by ids', async (t) => {
  const { client } = await startPair(t)
  const a = await client.tickets.create(incident)
  const b = await client.tickets.create({ ...incident, clientId: 102 })
  await client.tickets.close(b.id, { statusId: 9 })
  t.same(
    (await client.tickets.list({ openOnly: true })).map((x) => x.id),
    [a.id]
  )
  t.same(
    (await client.tickets.list({ closedOnly: true })).map((x) => x.id),
    [b.id]
  )
  t.same(
    (await client.tickets.list({ clientId: 102 })).map((x) => x.id),
    [b.id]
  )
  t.same(
    (await client.tickets.list({ ticketIds: [a.id, b.id] })).map((x) => x.id),
    [a.id, b.id]
  )
})

t.test('a create that meets a 503 or a hang is not sent again (its outcome is unknown)', async (t) => {
  const { sim, client } = await startPair(t, {}, { timeoutMs: 300 })
  sim.faults.add({ match: 'POST /api/Tickets', status: 503, count: 1 })
  t.match(await platformError(client.tickets.create(incident)), { kind: 'server', status: 503, attempts: 1 })
  sim.faults.add({ match: 'POST /api/Tickets', hang: true, count: 1 })
  t.match(await platformError(client.tickets.create(incident)), { kind: 'timeout', attempts: 1 })
  t.equal(sim.state.calls.count('POST /api/Tickets'), 2)
})

t.test('a create refused by a 429 is sent again after the pause: Halo did not run it', async (t) => {
  const { sim, client } = await startPair(t)
  sim.faults.add({ match: 'POST /api/Tickets', status: 429, count: 2 })
  const ticket = await client.tickets.create(incident)
  t.equal(sim.state.calls.count('POST /api/Tickets'), 3)
  t.equal(sim.state.data().tickets.rows.size, 1)
  t.equal(ticket.summary, incident.summary)
})

t.test('a create that keeps meeting 429s is sent only as often as the transport allows, then fails', async (t) => {
  // The transport is the one owner of 429 retries (docs/outbound-calls.md): no layer above repeats them.
  const { sim, client } = await startPair(
    t,
    {},
    { retry: { retries: 3, rateLimitedRetries: 2, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 20 } }
  )
  sim.faults.add({ match: 'POST /api/Tickets', status: 429, retryAfter: 0 })
  t.match(await platformError(client.tickets.create(incident)), { kind: 'rate_limited', status: 429, attempts: 3 })
  t.equal(sim.state.calls.count('POST /api/Tickets'), 3, 'the first attempt and two retries, nothing more')
  t.equal(sim.state.data().tickets.rows.size, 0)
})
