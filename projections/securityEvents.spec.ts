import t from 'tap'
import { factStream, foldAll } from '../test/support/given.js'
import { isReplayable, securityEventsProjection as projection } from './securityEvents.js'

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
