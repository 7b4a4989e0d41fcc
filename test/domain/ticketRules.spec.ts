import t from 'tap'
import {
  TicketRules,
  decideTicket,
  defaultTicketRules,
  priorityFor,
  type RuleEvent,
  type ThreatTicket
} from '../../src/domain/ticketRules.js'

/**
 * The ticket rules' one decision (src/domain/ticketRules.ts), given a security event and the
 * tickets it may go into.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR
const at = Date.parse('2026-11-02T09:00:00Z')
const event = (over: Partial<RuleEvent> = {}): RuleEvent => ({
  module: 'av',
  eventTypes: ['file'],
  blocked: false,
  at,
  familyKey: 'f1',
  ...over
})
const open = (over: Partial<ThreatTicket> = {}): ThreatTicket => ({
  ticketId: 5001,
  open: true,
  lastEventAt: at - HOUR,
  gone: false,
  own: true,
  ...over
})
const closed = (closedAt: number, over: Partial<ThreatTicket> = {}) => open({ open: false, closedAt, ...over })
const rules = (r: unknown) => TicketRules.parse(r)

t.test('the defaults do what the relay did before rules: a note while open, else a new ticket', async (t) => {
  const defaults = defaultTicketRules()
  t.same(TicketRules.parse({}), defaults, 'an empty rule set is the defaults')
  t.same(decideTicket(defaults, { event: event() }), { action: 'create', why: 'new-threat' })
  t.same(
    decideTicket(defaults, { event: event(), defaultPriorityId: 3 }),
    { action: 'create', why: 'new-threat', priorityId: 3 },
    'with the configured priority'
  )
  t.same(
    decideTicket(defaults, { event: event(), threat: open({ lastEventAt: at - 400 * DAY }) }),
    { action: 'note', ticketId: 5001 },
    'a repeat while the ticket is open, however long after'
  )
  t.same(decideTicket(defaults, { event: event(), threat: closed(at - HOUR) }), {
    action: 'create',
    why: 'ticket-closed'
  })
  t.same(decideTicket(defaults, { event: event(), threat: closed(at - HOUR, { gone: true }) }), {
    action: 'create',
    why: 'ticket-gone'
  })
  t.same(
    decideTicket(defaults, { event: event(), family: { ticketId: 7, open: true, openedAt: at } }),
    { action: 'create', why: 'new-threat' },
    'endpoints are not consolidated'
  )
})

t.test('a repeat is a note inside the window and a new ticket outside it', async (t) => {
  const windowed = rules({ consolidation: { repeatWindowHours: 4 } })
  t.same(decideTicket(windowed, { event: event(), threat: open({ lastEventAt: at - 4 * HOUR }) }), {
    action: 'note',
    ticketId: 5001
  })
  t.same(decideTicket(windowed, { event: event(), threat: open({ lastEventAt: at - 4 * HOUR - 1 }) }), {
    action: 'create',
    why: 'outside-window'
  })
})

t.test('a recurrence within N days of the close re-opens the ticket the endpoint had', async (t) => {
  const reopen = rules({ reopen: { withinDays: 7 } })
  t.same(decideTicket(reopen, { event: event(), threat: closed(at - 7 * DAY) }), { action: 'reopen', ticketId: 5001 })
  t.same(decideTicket(reopen, { event: event(), threat: closed(at - 7 * DAY - 1) }), {
    action: 'create',
    why: 'ticket-closed'
  })
  t.same(
    decideTicket(reopen, { event: event(), threat: closed(at - HOUR, { gone: true }) }),
    { action: 'create', why: 'ticket-gone' },
    'a deleted ticket is not re-opened'
  )
  t.same(
    decideTicket(reopen, { event: event(), threat: closed(at - HOUR, { own: false }) }),
    { action: 'create', why: 'ticket-closed' },
    "another endpoint's ticket is not re-opened by this one"
  )
  t.same(
    decideTicket(reopen, { event: event(), threat: open({ closedAt: at - HOUR }) }),
    { action: 'note', ticketId: 5001 },
    'an open ticket takes a note'
  )
})

t.test('the same threat on another endpoint joins the newest open ticket within N minutes', async (t) => {
  const joined = rules({ consolidation: { endpointWindowMinutes: 30 } })
  const family = { ticketId: 7, open: true, openedAt: at - 30 * 60_000 }
  t.same(decideTicket(joined, { event: event(), family }), { action: 'consolidate', ticketId: 7 })
  t.same(decideTicket(joined, { event: event(), family: { ...family, openedAt: family.openedAt - 1 } }), {
    action: 'create',
    why: 'new-threat'
  })
  t.same(decideTicket(joined, { event: event(), family: { ...family, open: false } }), {
    action: 'create',
    why: 'new-threat'
  })
  t.same(
    decideTicket(joined, { event: event(), threat: closed(at - HOUR, { ticketId: 7 }), family: { ...family } }),
    { action: 'create', why: 'ticket-closed' },
    'never into the ticket the threat just left'
  )
})

t.test('the first matching priority rule gives the priority; exclusions come first', async (t) => {
  const r = rules({
    priorities: [
      { when: { modules: ['new-incident'], severity: { min: 76, max: 100 } }, priorityId: 1 },
      { when: { modules: ['new-incident'], severity: { min: 40, max: 75 } }, priorityId: 2 },
      { when: { modules: ['new-incident'], severity: { min: 0, max: 39 } }, priorityId: 4 },
      { when: { blocked: true }, priorityId: 4 },
      { when: { eventTypes: ['PHISHING'] }, priorityId: 2 }
    ],
    exclusions: [{ modules: ['fw'] }, { modules: ['aph'], eventTypes: ['untrust'] }]
  })
  const incident = (severityScore?: number) =>
    event({ module: 'new-incident', eventTypes: [], ...(severityScore !== undefined ? { severityScore } : {}) })
  t.same(priorityFor(r, incident(76)), { priorityId: 1, priorityRule: 0 })
  t.same(priorityFor(r, incident(75)), { priorityId: 2, priorityRule: 1 })
  t.same(priorityFor(r, incident(0)), { priorityId: 4, priorityRule: 2 })
  t.same(priorityFor(r, incident(), 3), { priorityId: 3 }, 'no score: no band matches; the configured priority')
  t.same(priorityFor(r, event({ blocked: true }), 3), { priorityId: 4, priorityRule: 3 })
  t.same(priorityFor(r, event({ module: 'aph', eventTypes: ['phishing'] })), { priorityId: 2, priorityRule: 4 })
  t.same(priorityFor(r, event()), {}, 'nothing matches and nothing configured: the ticket type decides')
  t.same(decideTicket(r, { event: event({ module: 'fw' }), threat: open() }), {
    action: 'skip',
    reason: 'excluded-by-rule',
    rule: 0
  })
  t.same(decideTicket(r, { event: event({ module: 'aph', eventTypes: ['untrust'] }) }), {
    action: 'skip',
    reason: 'excluded-by-rule',
    rule: 1
  })
  t.match(decideTicket(r, { event: event({ module: 'aph', eventTypes: ['fraud'] }) }), { action: 'create' })
})

t.test('rule sets are bounded and say what is wrong', async (t) => {
  t.throws(() => rules({ exclusions: [{}] }), /at least one condition/)
  t.throws(() => rules({ priorities: [{ when: { severity: { min: 50, max: 10 } }, priorityId: 1 }] }), /not be above/)
  t.throws(() => rules({ consolidation: { repeatWindowHours: 0 } }))
  t.throws(() => rules({ reopen: { withinDays: 366 } }))
  t.throws(() => rules({ priorities: Array.from({ length: 51 }, () => ({ when: {}, priorityId: 1 })) }))
  t.throws(() => rules({ consolidation: { repeatWindow: 4 } }), 'an unknown field is an error, not ignored')
})
