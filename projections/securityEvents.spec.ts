import t from 'tap'
import { factStream, foldAll } from '../test/support/given.js'
import fc from 'fast-check'
import type { Fact } from '../src/domain/facts.js'
import type { StoredFact } from '../src/store/port.js'
import {
  DAYS_KEPT,
  createSecurityEventsProjection,
  isReplayable,
  recordFromFacts,
  securityEventsProjection as projection,
  type SecurityEventsState
} from './securityEvents.js'

// Given the facts ticketing records about a security event, when they are folded, then the event's
// outcome is what they say: pending, ticketed, noted, auto-closed, skipped (with why) or failed (with
// the fact that says so), and a replay makes it pending again.

const received = (f: ReturnType<typeof factStream>, eventKey = 'se-1', threatKey = 'th-1') =>
  f('SecurityEventReceived', {
    deliveryId: 'd1',
    index: 0,
    eventKey,
    threatKey,
    module: 'av',
    companyId: 'c1',
    endpointName: 'DESKTOP-1',
    threatName: 'EICAR',
    blocked: true,
    isTest: false,
    event: { module: 'av' }
  })
const base = (eventKey = 'se-1') => ({
  mappingId: 'm1',
  halopsaClientId: 101,
  threatKey: 'th-1',
  securityEventKey: eventKey
})

t.test('an event received and not handled yet is pending; the same event again is one record', async (t) => {
  const f = factStream()
  const first = received(f)
  const s = foldAll(projection, [first, received(f)])
  t.equal(s.events.size, 1)
  t.match(s.events.get('se-1'), { outcome: 'pending', factId: first.id, module: 'av', companyId: 'c1', replays: 0 })
})

t.test('a created ticket is ticketed, an auto-close makes it auto-closed, a note on it is noted', async (t) => {
  const f = factStream()
  const facts = [
    received(f),
    f('TicketCreationStarted', { ...base(), marker: 'gzrelay:se-1' }),
    f('TicketCreated', { ...base(), ticketId: 7, summary: 's', blocked: true }),
    received(f, 'se-2'),
    f('TicketNoteAdded', { mappingId: 'm1', ticketId: 7, threatKey: 'th-1', securityEventKey: 'se-2' }),
    f('TicketClosed', { ticketId: 7, mappingId: 'm1', threatKey: 'th-1', by: 'auto-close' })
  ]
  const s = foldAll(projection, facts)
  t.match(s.events.get('se-1'), { outcome: 'auto-closed', ticketId: 7, mappingId: 'm1' })
  t.match(s.events.get('se-2'), { outcome: 'noted', ticketId: 7 })
  t.same(
    s.events.get('se-1')!.facts.map((x) => x.type),
    ['SecurityEventReceived', 'TicketCreationStarted', 'TicketCreated', 'TicketClosed']
  )
  t.notOk(isReplayable(s.events.get('se-1')!))
})

t.test('a skip says why; a failure names its fact; both are replayable, and a replay makes them pending', async (t) => {
  const f = factStream()
  const failedFact = f('TicketCreateFailed', { ...base('se-2'), cause: 'transient', message: 'HTTP 503', attempts: 9 })
  const s = foldAll(projection, [
    received(f),
    f('TicketingSkipped', { securityEventKey: 'se-1', module: 'av', companyId: 'c1', reason: 'unmapped' }),
    received(f, 'se-2'),
    failedFact
  ])
  t.match(s.events.get('se-1'), { outcome: 'skipped', reason: 'unmapped' })
  t.match(s.events.get('se-2'), {
    outcome: 'failed',
    failure: { factId: failedFact.id, factType: 'TicketCreateFailed', cause: 'transient', message: 'HTTP 503' }
  })
  t.ok(isReplayable(s.events.get('se-1')!) && isReplayable(s.events.get('se-2')!))
  const replay = f('SecurityEventReplayRequested', {
    eventKey: 'se-1',
    threatKey: 'th-1',
    factId: s.events.get('se-1')!.factId,
    position: s.events.get('se-1')!.position,
    actor: 'alice',
    previousOutcome: 'skipped'
  })
  projection.evolve(s, replay)
  t.match(s.events.get('se-1'), { outcome: 'pending', replays: 1, reason: undefined })
})

t.test('an event the ticketing processor parked is failed with the FactParked, and pending once retried', async (t) => {
  const f = factStream()
  const arrival = received(f)
  const parkedData = {
    processor: 'ticketing',
    position: arrival.position.toString(),
    factId: arrival.id,
    factType: 'SecurityEventReceived'
  }
  const parked = f('FactParked', { ...parkedData, error: 'TypeError: boom', attempts: 5 })
  const s = foldAll(projection, [arrival, parked])
  t.match(s.events.get('se-1'), {
    outcome: 'failed',
    failure: { factId: parked.id, factType: 'FactParked', message: 'TypeError: boom' }
  })
  projection.evolve(s, f('ParkedFactRetried', parkedData))
  t.match(s.events.get('se-1'), { outcome: 'pending' })
  projection.evolve(s, f('FactParked', { ...parkedData, processor: 'notifications', error: 'x', attempts: 1 }))
  t.equal(s.events.get('se-1')!.outcome, 'pending', "another processor's parking is not about ticketing")
})

// Bounded memory: records for the newest events only, and for older ones whose outcome can still change.

const skip = (f: ReturnType<typeof factStream>, key: string, threat = 'th-1') =>
  f(
    'TicketingSkipped',
    { securityEventKey: key, module: 'av', companyId: 'c1', reason: 'unmapped' },
    { stream: `ticket-${threat}` }
  )

t.test('older settled events leave memory and are counted by day and company; unsettled ones are held', async (t) => {
  const f = factStream()
  const small = createSecurityEventsProjection(2)
  const s = foldAll(small, [
    received(f, 'se-1'),
    skip(f, 'se-1'),
    received(f, 'se-2'),
    f('TicketCreated', { ...base('se-2'), ticketId: 7, summary: 's', blocked: true }),
    received(f, 'se-3'),
    received(f, 'se-4'),
    received(f, 'se-5')
  ])
  t.same([...s.events.keys()], ['se-4', 'se-5'], 'the newest two')
  t.same([...s.held.keys()], ['se-2', 'se-3'], 'ticketed on an open ticket, and pending: held')
  t.equal(s.archivedTotal, 1)
  t.same(
    [...s.archived.values()],
    [{ period: '2026-11-02', companyId: 'c1', mappingId: null, total: 1, byOutcome: { skipped: 1 } }]
  )
  t.equal(s.byFactId.size, 4, 'its index entries go with it')
  // When the held ticket is closed and the held pending event is skipped, they settle and leave
  small.evolve(s, f('TicketClosed', { ticketId: 7, mappingId: 'm1', threatKey: 'th-1', by: 'auto-close' }))
  small.evolve(s, skip(f, 'se-3'))
  t.equal(s.held.size, 0)
  t.equal(s.archivedTotal, 3)
  t.match([...s.archived.values()][0], { total: 3, byOutcome: { skipped: 2, 'auto-closed': 1 }, mappingId: 'm1' })
  t.equal(s.byTicket.size, 0)
})

t.test(
  'a replay of an event that left memory brings it back from what the fact says, and moves its count',
  async (t) => {
    const f = factStream()
    const small = createSecurityEventsProjection(1)
    const first = received(f, 'se-1')
    const s = foldAll(small, [first, skip(f, 'se-1'), received(f, 'se-2')])
    t.notOk(s.events.has('se-1') || s.held.has('se-1'))
    const archived = {
      module: 'av',
      companyId: 'c1',
      endpointName: 'DESKTOP-1',
      isTest: false,
      receivedAt: first.recordedAt.toISOString(),
      replays: 0
    }
    small.evolve(
      s,
      f('SecurityEventReplayRequested', {
        eventKey: 'se-1',
        threatKey: 'th-1',
        factId: first.id,
        position: first.position.toString(),
        actor: 'alice',
        previousOutcome: 'skipped',
        archived
      })
    )
    t.match(s.held.get('se-1'), {
      outcome: 'pending',
      replays: 1,
      factId: first.id,
      companyId: 'c1',
      endpointName: 'DESKTOP-1'
    })
    t.equal(s.archivedTotal, 0)
    t.same([...s.archived.values()][0]!.byOutcome, { skipped: 0 })
    small.evolve(s, f('TicketCreated', { ...base('se-1'), ticketId: 8, summary: 's', blocked: true }))
    t.equal(s.held.get('se-1')?.outcome, 'ticketed', 'held until its ticket closes')
    small.evolve(s, f('TicketClosed', { ticketId: 8, mappingId: 'm1', threatKey: 'th-1', by: 'technician' }))
    t.notOk(s.held.has('se-1'))
    t.same([...s.archived.values()][0]!.byOutcome, { skipped: 0, ticketed: 1 })
  }
)

t.test(
  'bounded or not, the outcomes are the same: records kept match, counts match, the store gives back the rest',
  async (t) => {
    const outcomesOf = (s: SecurityEventsState) => {
      const counts: Record<string, number> = {}
      for (const records of [s.events, s.held])
        for (const r of records.values()) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1
      for (const b of s.archived.values())
        for (const [o, n] of Object.entries(b.byOutcome)) counts[o] = (counts[o] ?? 0) + n
      return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0))
    }
    // A history: each step receives an event on one of a few threats, or settles a pending one.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('receive' as const), threat: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constantFrom('skip', 'ticket', 'note', 'fail', 'close-auto', 'close-tech') })
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), (steps, recent) => {
        const f = factStream()
        const facts: (StoredFact & Fact)[] = []
        const pending: { key: string; threat: string }[] = []
        const openTickets: { ticketId: number; threat: string }[] = []
        let n = 0
        let tickets = 0
        for (const s of steps) {
          if (s.kind === 'receive') {
            const key = `se-${++n}`
            facts.push(received(f, key, `th-${s.threat}`))
            pending.push({ key, threat: `th-${s.threat}` })
            continue
          }
          if (s.kind === 'close-auto' || s.kind === 'close-tech') {
            const ticket = openTickets.shift()
            if (ticket)
              facts.push(
                f(
                  'TicketClosed',
                  {
                    ticketId: ticket.ticketId,
                    mappingId: 'm1',
                    threatKey: ticket.threat,
                    by: s.kind === 'close-auto' ? 'auto-close' : 'technician'
                  },
                  { stream: `ticket-${ticket.threat}` }
                )
              )
            continue
          }
          const event = pending.shift()
          if (!event) continue
          const ids = { mappingId: 'm1', threatKey: event.threat, securityEventKey: event.key }
          const inStream = { stream: `ticket-${event.threat}` }
          if (s.kind === 'skip') facts.push(skip(f, event.key, event.threat))
          else if (s.kind === 'ticket') {
            facts.push(
              f(
                'TicketCreated',
                { ...ids, halopsaClientId: 101, ticketId: ++tickets, summary: 's', blocked: true },
                inStream
              )
            )
            openTickets.push({ ticketId: tickets, threat: event.threat })
          } else if (s.kind === 'note') facts.push(f('TicketNoteAdded', { ...ids, ticketId: 1 }, inStream))
          else
            facts.push(
              f(
                'TicketCreateFailed',
                { ...ids, halopsaClientId: 101, cause: 'transient', message: 'x', attempts: 1 },
                inStream
              )
            )
        }
        const whole = foldAll(createSecurityEventsProjection(1_000_000), facts)
        const bounded = foldAll(createSecurityEventsProjection(recent), facts)
        t.same(outcomesOf(bounded), outcomesOf(whole))
        t.ok(bounded.events.size <= recent)
        for (const records of [bounded.events, bounded.held])
          for (const [key, r] of records) t.same(r, whole.events.get(key))
        // Every event that left memory, read back from its arrival and its threat's stream
        for (const arrival of facts.filter((x) => x.type === 'SecurityEventReceived')) {
          const key = (arrival.data as { eventKey: string }).eventKey
          if (bounded.events.has(key) || bounded.held.has(key)) continue
          const threat = (arrival.data as { threatKey: string }).threatKey
          const stream = facts.filter((x) => x.stream === `ticket-${threat}`)
          const back = recordFromFacts(arrival, stream)
          t.same(
            { ...back, facts: undefined, updatedAt: undefined },
            { ...whole.events.get(key), facts: undefined, updatedAt: undefined }
          )
        }
      }),
      { numRuns: 150 }
    )
  }
)

t.test('counts of events older than the newest day by more than DAYS_KEPT days merge into their month', async (t) => {
  const winter = factStream({ start: new Date('2026-01-10T08:00:00Z') })
  const summer = factStream({ start: new Date('2026-06-01T08:00:00Z') })
  const small = createSecurityEventsProjection(1)
  const s = foldAll(small, [
    received(winter, 'se-1'),
    skip(winter, 'se-1'),
    received(winter, 'se-2'),
    skip(winter, 'se-2'),
    received(summer, 'se-3'),
    skip(summer, 'se-3')
  ])
  t.same(
    [...s.archived.values()].map((b) => [b.period, b.total]),
    [['2026-01-10', 2]],
    'counted by day while the day is recent'
  )
  small.evolve(s, received(summer, 'se-4'))
  t.same(
    [...s.archived.values()].map((b) => [b.period, b.total, b.byOutcome]),
    [
      ['2026-01', 2, { skipped: 2 }],
      ['2026-06-01', 1, { skipped: 1 }]
    ],
    `a day more than ${DAYS_KEPT} days before the newest counts in its month`
  )
  t.equal(s.newestDay, '2026-06-01')
})
