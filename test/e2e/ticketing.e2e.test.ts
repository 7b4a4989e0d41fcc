import t from 'tap'
import { request } from 'undici'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/** Ticketing end to end: security events in through the push service, tickets out in HaloPSA. */

const [acme, birch, cobalt] = customers as [
  (typeof customers)[number],
  (typeof customers)[number],
  (typeof customers)[number]
]
const config = {
  ticketTypeId: 3,
  priorityId: 2,
  closedStatusName: 'Closed',
  autoCloseBlocked: true,
  modules: ['av', 'hd', 'device-control']
}

const tickets = (s: E2E) => [...s.halopsa.state.data().tickets.rows.values()] as Record<string, unknown>[]
const auditTypes = async (s: E2E, query: string) =>
  (await s.api('GET', `/api/audit?limit=1000&${query}`)).body.items.map((f: { type: string }) => f.type)

/** POSTs exactly these bytes to the relay, as GravityZone's push service would (and would again on a retry). */
const deliver = async (s: E2E, body: string) => {
  const res = await request(`${s.url}/webhooks/gravityzone`, {
    method: 'POST',
    body,
    headers: { authorization: s.secrets.pushAuthorization, 'event-push-service-md5': pushMd5(s.secrets.gzApiKey, body) }
  })
  await res.body.dump()
  return res.statusCode
}

t.test(
  'a security event becomes one ticket; a repeat of the threat becomes a note; a re-delivery creates nothing',
  async (t) => {
    const s = await e2e(t)
    const m = await s.map(acme, { ticketing: true })
    await s.api('PUT', '/api/config/ticketing', { ...config, autoCloseBlocked: false })
    const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Record<
      string,
      unknown
    >
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events: [event] }, id: 1764000000000 })
    t.equal(await deliver(s, body), 200)
    t.equal(await deliver(s, body), 200, 'the same batch again, as after a lost 200')
    await s.settle()
    t.equal(tickets(s).length, 1, 'one ticket')
    const ticket = tickets(s)[0]!
    t.match(ticket, { client_id: acme.clientId, tickettype_id: 3, priority_id: 2, hasbeenclosed: false })
    t.match(
      ticket.summary,
      new RegExp(
        `^\\[GravityZone\\] Malware detected on ${String(event.computer_name)}: ${String(event.malware_name).replace(/[.]/g, '\\.')}`
      )
    )
    t.match(ticket.details, /Company: Acme Dental Group[\s\S]*final_status: /)

    // The same event in another batch (same content, new envelope): no second ticket, no note.
    t.equal(
      await deliver(
        s,
        JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events: [event] }, id: 1764000000999 })
      ),
      200
    )
    await s.settle()
    t.equal(tickets(s).length, 1)
    t.equal(s.halopsa.state.data().actions.rows.size, 0)

    // The same threat on the same endpoint, detected again later: a note on the open ticket.
    const repeat = { ...event, timestamp: '2026-11-03T10:00:00.000Z' }
    await s.gravityzone.push.send([{ event: repeat as never }])
    await s.settle()
    t.equal(tickets(s).length, 1, 'still one ticket')
    const notes = [...s.halopsa.state.data().actions.rows.values()] as Record<string, unknown>[]
    t.equal(notes.length, 1)
    t.match(notes[0], { ticket_id: ticket.id, outcome_id: 7 })
    t.match(notes[0]!.note, /reported this threat again/)
    t.same(
      await auditTypes(
        s,
        `mappingId=${m.id}&type=TicketCreationStarted,TicketCreated,TicketNoteAdded,TicketingSkipped`
      ),
      ['TicketCreationStarted', 'TicketCreated', 'TicketNoteAdded']
    )
    t.equal((await s.api('GET', `/api/mappings/${m.id}`)).body.ticketsCreated, 1)
  }
)

t.test(
  "tickets for blocked threats are closed automatically; a technician's close is recorded (webhook and poll)",
  async (t) => {
    const s = await e2e(t)
    await s.map(acme, { ticketing: true })
    await s.map(birch, { ticketing: true })
    await s.api('PUT', '/api/config/ticketing', config)
    await s.gravityzone.push.send([
      { event: s.gravityzone.generate('av', acme.companyId, { variant: { blocked: true } }) },
      { event: s.gravityzone.generate('hd', birch.companyId, { variant: { blocked: false } }) }
    ])
    await s.settle()
    const [blocked, open] = [
      tickets(s).find((x) => x.client_id === acme.clientId)!,
      tickets(s).find((x) => x.client_id === birch.clientId)!
    ]
    t.match(blocked, { hasbeenclosed: true, status_id: 9 }, "the blocked threat's ticket is closed")
    t.match(open, { hasbeenclosed: false }, 'the other stays open')
    t.match((await s.api('GET', '/api/audit?type=TicketClosed')).body.items, [
      { data: { ticketId: blocked.id, by: 'auto-close', statusId: 9 } }
    ])

    // A technician closes the open one in HaloPSA: its webhook tells the relay.
    s.halopsa.state.closeTicket(open.id as number)
    await waitFor(async () => (await s.api('GET', '/api/audit?type=TicketClosed')).body.items.length === 2, {
      what: 'the technician close'
    })
    t.match((await s.api('GET', '/api/audit?type=TicketClosed')).body.items[1], {
      data: { ticketId: open.id, by: 'technician' },
      metadata: { actor: 'halopsa' }
    })

    // The same threat again after the ticket closed: a new ticket.
    await s.gravityzone.push.send([
      { event: { ...s.gravityzone.generate('hd', birch.companyId, { variant: { blocked: false } }) } }
    ])
    await s.settle()
    t.equal(tickets(s).filter((x) => x.client_id === birch.clientId).length, 2)

    // A close the relay never heard about (webhook lost) is seen by the next poll.
    for (const webhook of await s.relay.clients.halopsa.webhooks.list())
      await s.relay.clients.halopsa.webhooks.delete(webhook.id)
    const latest = tickets(s).filter((x) => x.client_id === birch.clientId && !x.hasbeenclosed)[0]!
    s.halopsa.state.closeTicket(latest.id as number)
    await s.sync()
    const closes = (await s.api('GET', '/api/audit?type=TicketClosed')).body.items
    t.match(closes.at(-1), { data: { ticketId: latest.id, by: 'technician' }, metadata: { actor: 'operator' } })
  }
)

t.test('events that make no ticket are kept and say why', async (t) => {
  const s = await e2e(t)
  await s.map(acme, { ticketing: true })
  await s.map(birch, { ticketing: false })
  const suspended = await s.map(cobalt, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', { ...config, modules: ['av', 'device-control'] })
  s.halopsa.state.deleteClient(cobalt.clientId)
  await s.sync()
  t.equal((await s.api('GET', `/api/mappings/${suspended.id}`)).body.status, 'suspended')
  const unmapped = customers[5]!
  await s.gravityzone.push.send([
    { event: s.gravityzone.generate('av', unmapped.companyId) },
    { event: s.gravityzone.generate('av', birch.companyId) },
    { event: s.gravityzone.generate('av', cobalt.companyId) },
    { event: s.gravityzone.generate('hd', acme.companyId) },
    { event: s.gravityzone.generate('install', acme.companyId) }
  ])
  await s.settle()
  t.equal(tickets(s).length, 0)
  const skipped = (await s.api('GET', '/api/audit?type=TicketingSkipped')).body.items
    .map((f: { data: { reason: string } }) => f.data.reason)
    .sort()
  t.same(skipped, ['module-not-ticketed', 'suspended', 'ticketing-disabled', 'unmapped'])
  t.same(
    await auditTypes(s, 'type=PlatformEventReceived'),
    ['PlatformEventReceived'],
    'a platform event is kept, not ticketed'
  )
})

// network-monitor, not device-control: the relay subscribes only to the event types a public source
// names, and no source names device-control as a subscription key (docs/platforms/gravityzone-fidelity.md).
t.test("an event without a companyId is routed through the endpoint's company", async (t) => {
  const s = await e2e(t)
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', { ...config, modules: ['network-monitor'], autoCloseBlocked: false })
  const event = s.gravityzone.generate('network-monitor', acme.companyId, {
    variant: { omitCompanyId: true }
  }) as Record<string, unknown>
  t.notOk('companyId' in event)
  await s.gravityzone.push.send([{ event: event as never, ownerCompanyId: acme.companyId }])
  await s.settle()
  t.equal(tickets(s).length, 1)
  t.equal(tickets(s)[0]!.client_id, acme.clientId)
})

t.test('a HaloPSA outage over several polls, then recovery: every ticket is created once', async (t) => {
  const s = await e2e(t, { ticketingRetry: { minMs: 50, maxMs: 300, giveUpAfterMs: 120_000 } })
  await s.map(acme, { ticketing: true })
  await s.map(birch, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', { ...config, autoCloseBlocked: false })
  const ticketPosts = s.halopsa.faults.add({ match: 'POST /api/tickets', status: 503 })
  s.halopsa.faults.add({ match: 'POST /api', status: 503 })
  s.halopsa.faults.add({ match: 'GET /api', status: 503 })
  const events = [
    ...Array.from({ length: 3 }, () => ({ event: s.gravityzone.generate('av', acme.companyId) })),
    ...Array.from({ length: 3 }, () => ({ event: s.gravityzone.generate('hd', birch.companyId) }))
  ]
  const sent = await s.gravityzone.push.send(events)
  t.equal(sent.sent, 6, 'GravityZone got its 200s during the outage: ingestion does not depend on HaloPSA')
  for (let poll = 0; poll < 3; poll++) {
    const report = await s.sync()
    t.ok(report.errors.length > 0, `poll ${poll + 1} ran into the outage and said so`)
  }
  const hits = () => s.halopsa.faults.list().find((f) => f.id === ticketPosts)?.hits ?? 0
  await waitFor(() => hits() >= 4, { timeoutMs: 30_000, what: 'ticket creation being retried through the outage' })
  t.equal(tickets(s).length, 0)
  s.halopsa.faults.clear()
  await s.settle()
  t.equal(tickets(s).length, 6, 'six tickets')
  t.equal(new Set(tickets(s).map((x) => x.third_party_id_string)).size, 6, 'each created once')
  t.same(await auditTypes(s, 'type=TicketCreateFailed'), [], 'no ticket-creation-failed: the outage was ridden out')
  t.equal((await s.api('GET', '/api/events/count')).body.active, 0)
})
