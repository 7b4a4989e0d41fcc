import t from 'tap'
import { factStream, foldAll } from '../test/support/given.js'
import { CLOSED_KEPT, familyTicket, openTickets, ticketsProjection as projection } from './tickets.js'

// Given the relay's tickets created and closed over a long time, when they are folded, then the
// open ones stay, closed ones only for the newest closes, and a re-open brings a forgotten one back.

const ids = (n: number) => ({
  mappingId: 'm1',
  halopsaClientId: 101,
  threatKey: `th-${n}`,
  securityEventKey: `se-${n}`
})

t.test('closed tickets beyond the newest closes are forgotten, with their family entry; open ones stay', async (t) => {
  const f = factStream()
  const total = CLOSED_KEPT + 50
  const facts = []
  for (let n = 1; n <= total; n++)
    facts.push(
      f('TicketCreated', { ...ids(n), ticketId: n, summary: 's', blocked: true, familyKey: `fam-${n}` }),
      ...(n <= total - 10
        ? [f('TicketClosed', { ticketId: n, mappingId: 'm1', threatKey: `th-${n}`, by: 'technician' })]
        : [])
    )
  const s = foldAll(projection, facts)
  t.equal(s.open, 10)
  t.equal(openTickets(s).length, 10)
  t.equal(s.byId.size, 10 + CLOSED_KEPT, 'open ones and the newest closed ones')
  t.notOk(s.byId.has(1), 'the oldest closed ticket is forgotten')
  t.equal(familyTicket(s, 'm1', 'fam-1'), undefined, 'and its family entry')
  t.match(familyTicket(s, 'm1', `fam-${total - 20}`), { ticketId: total - 20, open: false })
  t.match(familyTicket(s, 'm1', `fam-${total}`), { ticketId: total, open: true })

  // When a forgotten ticket is re-opened, it is back (open) from what the re-open says
  projection.evolve(
    s,
    f('TicketReopened', { ...ids(1), ticketId: 1, eventAt: '2026-11-05T10:00:00.000Z', statusId: 2, noted: true })
  )
  t.match(s.byId.get(1), { ticketId: 1, threatKey: 'th-1', open: true, openedAt: Date.parse('2026-11-05T10:00:00Z') })
  t.equal(s.open, 11)
  // and a re-open of a kept closed ticket opens it again
  projection.evolve(
    s,
    f('TicketReopened', {
      ...ids(total - 20),
      ticketId: total - 20,
      eventAt: '2026-11-05T10:00:00.000Z',
      statusId: 2,
      noted: true
    })
  )
  t.match(s.byId.get(total - 20), { open: true, closedBy: undefined })
  t.equal(s.open, 12)
  t.notOk(s.closed.has(total - 20))
})
