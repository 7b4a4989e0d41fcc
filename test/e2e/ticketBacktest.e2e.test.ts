import t from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'
import {
  DAY,
  HOUR,
  MINUTE,
  again,
  auditFacts,
  haloTickets,
  movableClock,
  putRules,
  send,
  ticketingConfig
} from '../support/ticketRules.js'

/**
 * The backtest of ticket rules (`POST /api/ticketing/rules/preview`) on a history recorded end to
 * end: the rules in force reproduce what live ticketing did, a candidate says what it would have
 * done instead, and nothing is written.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]
const unmapped = customers[5]!

const preview = async (s: E2E, body: Record<string, unknown> = {}) => {
  const res = await s.api('POST', '/api/ticketing/rules/preview', body)
  if (res.status !== 200) throw new Error(`preview: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

const closeAndWait = async (s: E2E, ticketId: unknown, closes: number) => {
  s.halopsa.state.closeTicket(ticketId as number)
  await waitFor(async () => (await auditFacts(s, 'TicketClosed')).length === closes, { what: `${closes} closes` })
}

/** The counts that must agree between what happened and the replay of the same rules. */
const decided = (c: Record<string, unknown>) => ({
  tickets: c.tickets,
  notes: c.notes,
  reopened: c.reopened,
  consolidated: c.consolidated,
  excluded: c.excluded,
  skipped: c.skipped,
  priorities: c.priorities
})

t.test('the backtest of the rules in force reproduces the tickets that were created; candidates differ', async (t) => {
  const clock = movableClock('2026-11-02T09:00:00Z')
  const s = await e2e(t, { clock })
  const [a, b] = [await s.map(acme, { ticketing: true }), await s.map(birch, { ticketing: true })]
  await s.api('PUT', '/api/config/ticketing', { ...ticketingConfig, autoCloseBlocked: true, modules: ['av', 'hd'] })

  // Given a history with the default rules: tickets, a repeat noted, a blocked threat auto-closed,
  // a technician's close and the threat back after it, events without a ticket for other reasons.
  const present = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } })
  const birchThreat = s.gravityzone.generate('hd', birch.companyId, { variant: { blocked: false } })
  await send(s, present, again(present, 2), birchThreat)
  await send(
    s,
    s.gravityzone.generate('av', acme.companyId, { variant: { blocked: true } }),
    s.gravityzone.generate('av', unmapped.companyId),
    s.gravityzone.generate('aph', acme.companyId)
  )
  await closeAndWait(s, haloTickets(s).find((x) => x.client_id === birch.clientId)!.id, 2)
  clock.advance(HOUR)
  await send(s, again(birchThreat, 3))
  clock.advance(10 * DAY)
  await send(s, again(present, 4))
  t.equal(haloTickets(s).length, 4)
  const head = await s.relay.relay.store.headPosition()

  // When the rules in force are backtested on the last 30 days, then they do what happened.
  const current = await preview(s)
  t.match(current.events, { considered: 8, undecided: 0, capped: false })
  t.match(current.total.actual, { tickets: 4, notes: 2, reopened: 0, skipped: 2, failed: 0 })
  t.same(decided(current.total.simulated), decided(current.total.actual), 'the replay agrees with what happened')
  t.equal(current.byMapping.length, 2)
  for (const m of current.byMapping) t.same(decided(m.simulated), decided(m.actual), `and for ${m.halopsaClientName}`)
  type PerMapping = { mappingId: string; simulated: { tickets: number } }
  t.same(
    current.byMapping.map((m: PerMapping) => [m.mappingId, m.simulated.tickets]),
    [
      [a.id, 2],
      [b.id, 2]
    ]
  )

  // A period that starts while Acme's ticket is open: the repeat is still a note, not a new ticket.
  const recent = await preview(s, { days: 5 })
  t.match(recent.events, { considered: 1 })
  t.match(recent.total.simulated, { tickets: 0, notes: 1 })
  t.match(recent.total.actual, { tickets: 0, notes: 1 })

  // Candidates: what they would have done instead, against the same actual counts.
  const reopen = await preview(s, { rules: { reopen: { withinDays: 7 } } })
  t.match(reopen.total.simulated, { tickets: 3, reopened: 1 }, "Birch's recurrence re-opens its ticket")
  t.match(reopen.total.actual, { tickets: 4, reopened: 0 })
  const window = await preview(s, { rules: { consolidation: { repeatWindowHours: 24 } } })
  t.match(window.total.simulated, { tickets: 5, notes: 1 }, 'the repeat ten days later would be a new ticket')
  const excluded = await preview(s, { rules: { exclusions: [{ modules: ['hd'] }] } })
  t.match(excluded.total.simulated, { tickets: 2, excluded: 2 })
  const priorities = await preview(s, { rules: { priorities: [{ when: { blocked: true }, priorityId: 4 }] } })
  t.same(priorities.total.simulated.priorities, { 3: 3, 4: 1 })
  t.same(current.total.actual.priorities, { 3: 4 })

  const capped = await preview(s, { maxEvents: 2 })
  t.match(capped.events, { considered: 2, limit: 2, capped: true, stoppedBy: 'events', message: /first 2 security/ })

  const since = await s.relay.relay.store.readAll({ fromPosition: head + 1n })
  t.same(
    since.filter((f) => f.type !== 'ProcessorCheckpointed').map((f) => f.type),
    [],
    'nothing was written (the ticketing processor checkpoints when idle)'
  )
  t.match((await s.api('GET', '/api/config/ticket-rules')).body, { version: 0 }, 'nor the rules saved')
})

t.test('a history made with window, re-open, consolidation and priority rules is reproduced', async (t) => {
  const clock = movableClock('2026-11-02T09:00:00Z')
  const s = await e2e(t, { clock })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  const rules = {
    priorities: [{ when: { blocked: false }, priorityId: 2 }],
    consolidation: { repeatWindowHours: 2, endpointWindowMinutes: 30 },
    reopen: { withinDays: 3 }
  }
  await putRules(s, rules)
  const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Record<string, unknown>
  const elsewhere = { ...event, computer_id: 'e'.repeat(24), computer_name: 'ACME-LAPTOP-2' }

  await send(s, event)
  clock.advance(10 * MINUTE)
  await send(s, elsewhere)
  clock.advance(HOUR)
  await send(s, again(event, 2))
  clock.advance(3 * HOUR)
  await send(s, again(event, 3))
  const second = haloTickets(s).at(-1)!
  await closeAndWait(s, second.id, 1)
  clock.advance(DAY)
  await send(s, again(event, 4))
  await closeAndWait(s, second.id, 2)
  clock.advance(5 * DAY)
  await send(s, again(event, 5))

  const current = await preview(s)
  t.match(current.total.actual, { tickets: 3, notes: 1, consolidated: 1, reopened: 1, priorities: { 2: 3 } })
  t.same(decided(current.total.simulated), decided(current.total.actual), 'the replay agrees with what happened')
  t.equal(haloTickets(s).length, 3)

  const defaults = await preview(s, { rules: {} })
  t.match(defaults.total.simulated, { tickets: 4, notes: 2, consolidated: 0, reopened: 0, priorities: { 3: 4 } })
})
