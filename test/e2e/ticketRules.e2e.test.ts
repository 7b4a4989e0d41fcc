import t from 'tap'
import { customers, e2e } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'
import {
  DAY,
  HOUR,
  MINUTE,
  again,
  auditFacts,
  haloNotes,
  haloTickets,
  movableClock,
  putRules,
  send,
  ticketingConfig
} from '../support/ticketRules.js'

/**
 * The ticket rules end to end (docs/ticket-rules.md): security events in through GravityZone's
 * push service, tickets, notes and re-opens out in HaloPSA, on a clock the test moves forward.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]

t.test('a repeat inside the window becomes a note; outside it, a new ticket', async (t) => {
  const clock = movableClock('2026-11-02T09:00:00Z')
  const s = await e2e(t, { clock })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  await putRules(s, { consolidation: { repeatWindowHours: 4 } })

  const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Record<string, unknown>
  await send(s, event)
  t.equal(haloTickets(s).length, 1, 'the first detection: a ticket')
  const first = haloTickets(s)[0]!

  clock.advance(3 * HOUR)
  await send(s, again(event, 3))
  t.equal(haloTickets(s).length, 1, 'three hours later: no new ticket')
  t.equal(haloNotes(s, first.id).length, 1, 'a note on the open ticket')

  clock.advance(5 * HOUR)
  await send(s, again(event, 4))
  t.equal(haloTickets(s).length, 2, 'five hours after the last detection: a new ticket')
  t.match(haloTickets(s)[0], { id: first.id, hasbeenclosed: false }, 'the first ticket is left as it was')
  t.match(
    (await auditFacts(s, 'TicketCreated,TicketNoteAdded')).map((f) => [f.type, f.data.why]),
    [
      ['TicketCreated', 'new-threat'],
      ['TicketNoteAdded', undefined],
      ['TicketCreated', 'outside-window']
    ]
  )
})

t.test('a recurrence after the close re-opens the ticket within N days; later, a new ticket', async (t) => {
  const clock = movableClock('2026-11-02T09:00:00Z')
  const s = await e2e(t, { clock })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  await putRules(s, { reopen: { withinDays: 7 } })
  const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Record<string, unknown>
  await send(s, event)
  const ticket = haloTickets(s)[0]!
  const closes = async (n: number) =>
    waitFor(async () => (await auditFacts(s, 'TicketClosed')).length === n, { what: `${n} recorded closes` })

  s.halopsa.state.closeTicket(ticket.id as number)
  await closes(1)
  clock.advance(2 * DAY)
  await send(s, again(event, 4))
  t.equal(haloTickets(s).length, 1, 'no new ticket')
  t.match(
    haloTickets(s)[0],
    { id: ticket.id, hasbeenclosed: false, status_id: 2 },
    "re-opened with the ticket type's re-opened status"
  )
  t.match(haloNotes(s, ticket.id), [{ note: /^Re-opened: GravityZone reported this threat again/ }])
  t.match(await auditFacts(s, 'TicketReopened'), [{ data: { ticketId: ticket.id, statusId: 2, noted: true } }])

  // A technician closes it again; the threat comes back eight days later: past the re-open window.
  s.halopsa.state.closeTicket(ticket.id as number)
  await closes(2)
  clock.advance(8 * DAY)
  await send(s, again(event, 5))
  t.equal(haloTickets(s).length, 2, 'a new ticket')
  t.match((await auditFacts(s, 'TicketCreated')).at(-1), { data: { why: 'ticket-closed' } })
  t.match(haloTickets(s)[0], { id: ticket.id, hasbeenclosed: true }, 'the old ticket stays closed')
})

t.test('the priority follows the first rule that matches; exclusions make no ticket', async (t) => {
  const s = await e2e(t)
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  await putRules(s, {
    priorities: [
      { when: { modules: ['new-incident'], severity: { min: 76, max: 100 } }, priorityId: 1 },
      { when: { modules: ['new-incident'], severity: { min: 40, max: 75 } }, priorityId: 2 },
      { when: { modules: ['new-incident'], severity: { min: 0, max: 39 } }, priorityId: 4 },
      { when: { modules: ['av'], blocked: true }, priorityId: 4 },
      { when: { modules: ['av'], blocked: false }, priorityId: 2 }
    ],
    exclusions: [{ modules: ['hd'], blocked: true }]
  })
  const incident = (name: string, score: number) => {
    const { severity_score: _a, severityScore: _b, ...event } = s.gravityzone.generate('new-incident', acme.companyId)
    return { ...event, detection_name: name, severityScore: score }
  }
  const av = (blocked: boolean, name: string) => ({
    ...s.gravityzone.generate('av', acme.companyId, { variant: { blocked } }),
    malware_name: name
  })
  await send(
    s,
    incident('Incident.Critical', 90),
    incident('Incident.Middling', 60),
    incident('Incident.Minor', 20),
    av(true, 'Trojan.Blocked'),
    av(false, 'Trojan.Present'),
    s.gravityzone.generate('hd', acme.companyId, { variant: { blocked: false } }),
    s.gravityzone.generate('hd', acme.companyId, { variant: { blocked: true } })
  )
  const priorityOf = (pattern: RegExp) => haloTickets(s).find((x) => pattern.test(String(x.summary)))?.priority_id
  t.equal(priorityOf(/Incident\.Critical/), 1, 'severity 90: the 76–100 band')
  t.equal(priorityOf(/Incident\.Middling/), 2, 'severity 60: the 40–75 band')
  t.equal(priorityOf(/Incident\.Minor/), 4, 'severity 20: the 0–39 band')
  t.equal(priorityOf(/Trojan\.Blocked/), 4, 'a blocked threat: low')
  t.equal(priorityOf(/Trojan\.Present/), 2, 'a threat still present: high')
  t.equal(priorityOf(/HyperDetect/), 3, 'no rule matches: the configured priority')
  t.equal(haloTickets(s).length, 6, 'the blocked HyperDetect detection made no ticket')
  t.match(await auditFacts(s, 'TicketingSkipped'), [{ data: { module: 'hd', reason: 'excluded-by-rule', rule: 0 } }])
  t.match(
    (await auditFacts(s, 'TicketCreated')).find((f) => f.data.priorityId === 1),
    { data: { priorityRule: 0 } }
  )
})

t.test('the same threat on several endpoints within N minutes: one ticket listing them', async (t) => {
  const clock = movableClock('2026-11-02T09:00:00Z')
  const s = await e2e(t, { clock })
  await s.map(acme, { ticketing: true })
  await s.map(birch, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  await putRules(s, { consolidation: { endpointWindowMinutes: 30 } })
  const first = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Record<string, unknown>
  const on = (n: number, event = first) => ({
    ...event,
    computer_id: `${n}`.padStart(24, 'e'),
    computer_name: `ACME-LAPTOP-${n}`,
    computer_ip: `10.0.0.${n}`
  })
  await send(s, first)
  clock.advance(10 * MINUTE)
  await send(s, on(2), on(3))
  t.equal(haloTickets(s).length, 1, 'two more endpoints ten minutes later: still one ticket')
  const ticket = haloTickets(s)[0]!
  t.match(
    haloNotes(s, ticket.id).map((n) => n.note),
    [/^Another endpoint hit by the same threat: ACME-LAPTOP-2 \(10\.0\.0\.2\)/, /ACME-LAPTOP-3 \(10\.0\.0\.3\)/]
  )
  const [created] = await auditFacts(s, 'TicketCreated')
  t.match(await auditFacts(s, 'TicketNoteAdded'), [
    { data: { ticketId: ticket.id, consolidatedInto: created!.data.threatKey } },
    { data: { ticketId: ticket.id, consolidatedInto: created!.data.threatKey } }
  ])

  // Birch is another client: the same threat there is its own ticket.
  await send(s, { ...on(9), companyId: birch.companyId })
  t.equal(haloTickets(s).filter((x) => x.client_id === birch.clientId).length, 1, "another client's own ticket")

  // A repeat on a joined endpoint is a note on the shared ticket; a new endpoint after 30 minutes, its own ticket.
  clock.advance(25 * MINUTE)
  await send(s, again(on(2), 5))
  t.equal(haloNotes(s, ticket.id).length, 3, 'the repeat on ACME-LAPTOP-2: a note on the shared ticket')
  await send(s, on(4))
  t.equal(haloTickets(s).filter((x) => x.client_id === acme.clientId).length, 2, '35 minutes on: a ticket of its own')
})

t.test('ticket rules are validated, versioned and checked against HaloPSA', async (t) => {
  const s = await e2e(t)
  t.match((await s.api('GET', '/api/config/ticket-rules')).body, {
    version: 0,
    configured: false,
    priorities: [],
    exclusions: [],
    consolidation: {},
    reopen: {}
  })
  const bad = await s.api('PUT', '/api/config/ticket-rules', { consolidation: { repeatWindowHour: 4 } })
  t.equal(bad.status, 400, 'an unknown field is refused, not ignored')
  t.equal(bad.body.error.code, 'invalid_request')
  const inverted = await s.api('PUT', '/api/config/ticket-rules', {
    priorities: [{ when: { severity: { min: 80, max: 20 } }, priorityId: 1 }]
  })
  t.equal(inverted.status, 400)
  const unknown = await s.api('PUT', '/api/config/ticket-rules', {
    priorities: [{ when: { blocked: true }, priorityId: 99 }],
    reopen: { withinDays: 3, statusId: 77 },
    exclusions: [{ modules: ['antivirus'] }]
  })
  t.equal(unknown.status, 422)
  t.match(unknown.body.error, {
    code: 'invalid_configuration',
    details: { problems: [{ field: 'exclusions[0].modules' }] }
  })
  const ids = await s.api('PUT', '/api/config/ticket-rules', {
    priorities: [{ when: { blocked: true }, priorityId: 99 }],
    reopen: { withinDays: 3, statusId: 77 }
  })
  t.match(ids.body.error.details.problems, [
    { field: 'priorities[0].priorityId', message: 'HaloPSA has no priority 99' },
    { field: 'reopen.statusId', message: 'HaloPSA has no ticket status 77' }
  ])
  const saved = await putRules(s, { priorities: [{ when: { blocked: true }, priorityId: 4 }] })
  t.match(saved, { version: 1, configured: true, verified: true, priorities: [{ priorityId: 4 }] })
  t.match(await putRules(s, {}), { version: 2, priorities: [] })
  t.equal((await auditFacts(s, 'TicketRulesConfigured')).length, 2, 'every change is a fact')
})
