import t from 'tap'
import { domainFact, type FactData } from '../../src/domain/facts.js'
import { planTicket, ticketDecider, type TicketCommand } from '../../src/domain/ticket.js'
import { deciderSpec, foldDecider } from '../support/given.js'

/**
 * The ticket decider (stream `ticket-<threatKey>`): every command, given the facts already in the
 * stream, and the repeats that must append nothing (a re-delivered event, a retried handler).
 */

const ticket = deciderSpec(ticketDecider)
const threat = { mappingId: 'm1', threatKey: 'threat-1' }
const event = (securityEventKey: string) => ({ ...threat, halopsaClientId: 101, securityEventKey })

const startData = (key = 'se-1'): FactData<'TicketCreationStarted'> => ({ ...event(key), marker: `gzrelay:${key}` })
const createdData = (key = 'se-1', ticketId = 5001): FactData<'TicketCreated'> => ({
  ...event(key),
  ticketId,
  summary: 'Antimalware: Trojan.Generic on DESKTOP-1',
  blocked: true
})
const noteData = (key: string, ticketId = 5001): FactData<'TicketNoteAdded'> => ({
  ...threat,
  ticketId,
  securityEventKey: key
})
const createFailedData = (key = 'se-1'): FactData<'TicketCreateFailed'> => ({
  ...event(key),
  cause: 'transient',
  status: 503,
  message: 'halopsa POST /api/Tickets failed: server error (HTTP 503)',
  attempts: 7
})
const skippedData = (key = 'se-1'): FactData<'TicketingSkipped'> => ({
  securityEventKey: key,
  module: 'av',
  companyId: 'c1',
  mappingId: 'm1',
  reason: 'ticketing-disabled'
})
const closedData = (by: FactData<'TicketClosed'>['by'], ticketId = 5001): FactData<'TicketClosed'> => ({
  ...threat,
  ticketId,
  by
})
const closeFailedData = (ticketId = 5001): FactData<'TicketCloseFailed'> => ({
  ...threat,
  halopsaClientId: 101,
  ticketId,
  message: 'HaloPSA has no ticket status named "Closed"'
})

const started = (key?: string) => domainFact('TicketCreationStarted', startData(key))
const created = (key?: string, ticketId?: number) => domainFact('TicketCreated', createdData(key, ticketId))
const noted = (key: string) => domainFact('TicketNoteAdded', noteData(key))
const createFailed = (key?: string) => domainFact('TicketCreateFailed', createFailedData(key))
const skipped = (key?: string) => domainFact('TicketingSkipped', skippedData(key))
const closed = (by: FactData<'TicketClosed'>['by'], ticketId?: number) =>
  domainFact('TicketClosed', closedData(by, ticketId))
const closeFailed = (ticketId?: number) => domainFact('TicketCloseFailed', closeFailedData(ticketId))

const startCreation = (key?: string): TicketCommand => ({ type: 'StartCreation', data: startData(key) })
const recordCreated = (key?: string, ticketId?: number): TicketCommand => ({
  type: 'RecordCreated',
  data: createdData(key, ticketId)
})
const recordNote = (key: string): TicketCommand => ({ type: 'RecordNote', data: noteData(key) })
const recordCreateFailed = (key?: string): TicketCommand => ({
  type: 'RecordCreateFailed',
  data: createFailedData(key)
})
const recordSkipped = (key?: string): TicketCommand => ({ type: 'RecordSkipped', data: skippedData(key) })
const recordClosed = (by: FactData<'TicketClosed'>['by'], ticketId?: number): TicketCommand => ({
  type: 'RecordClosed',
  data: closedData(by, ticketId)
})
const recordCloseFailed = (ticketId?: number): TicketCommand => ({
  type: 'RecordCloseFailed',
  data: closeFailedData(ticketId)
})

t.test('StartCreation', async (t) => {
  t.test('records the start of a creation for a new security event', async (t) => {
    ticket.given([]).when(startCreation()).then(t, [started()])
  })
  t.test('appends nothing for a security event that already has a ticket', async (t) => {
    ticket.given([started(), created()]).when(startCreation()).then(t, [])
  })
  t.test('appends nothing for a security event whose creation already failed or was skipped', async (t) => {
    ticket.given([started(), createFailed()]).when(startCreation()).then(t, [], 'after a failure')
    ticket.given([skipped()]).when(startCreation()).then(t, [], 'after a skip')
  })
})

t.test('RecordCreated', async (t) => {
  t.test('records the ticket HaloPSA created', async (t) => {
    ticket.given([started()]).when(recordCreated()).then(t, [created()])
  })
  t.test('records a ticket found by its marker after a crash, even without the start in view', async (t) => {
    ticket.given([]).when(recordCreated()).then(t, [created()])
  })
  t.test('appends nothing when the same security event is recorded again (a re-delivery)', async (t) => {
    ticket.given([started(), created()]).when(recordCreated()).then(t, [])
  })
  t.test('records a new ticket for a new security event once the previous ticket is closed', async (t) => {
    ticket
      .given([started(), created(), closed('technician')])
      .when(recordCreated('se-3', 5002))
      .then(t, [created('se-3', 5002)])
  })
})

t.test('RecordNote', async (t) => {
  t.test('records a note for a repeat of the threat while its ticket is open', async (t) => {
    ticket
      .given([started(), created()])
      .when(recordNote('se-2'))
      .then(t, [noted('se-2')])
  })
  t.test('appends nothing when the same repeat is noted again', async (t) => {
    ticket
      .given([started(), created(), noted('se-2')])
      .when(recordNote('se-2'))
      .then(t, [])
  })
  t.test('appends nothing for the security event that created the ticket', async (t) => {
    ticket.given([started(), created()]).when(recordNote('se-1')).then(t, [])
  })
})

t.test('RecordCreateFailed', async (t) => {
  t.test('records a creation that failed after its retries', async (t) => {
    ticket.given([started()]).when(recordCreateFailed()).then(t, [createFailed()])
  })
  t.test('appends nothing when the same failure is recorded again', async (t) => {
    ticket.given([started(), createFailed()]).when(recordCreateFailed()).then(t, [])
  })
  t.test('appends nothing for a security event that got its ticket after all', async (t) => {
    ticket.given([started(), created()]).when(recordCreateFailed()).then(t, [])
  })
})

t.test('RecordSkipped', async (t) => {
  t.test('records why a security event gets no ticket', async (t) => {
    ticket.given([]).when(recordSkipped()).then(t, [skipped()])
  })
  t.test('appends nothing when the same skip is recorded again', async (t) => {
    ticket.given([skipped()]).when(recordSkipped()).then(t, [])
  })
  t.test('appends nothing for a security event that already has a ticket', async (t) => {
    ticket.given([started(), created()]).when(recordSkipped()).then(t, [])
  })
})

t.test('RecordClosed', async (t) => {
  t.test('records the close of the open ticket', async (t) => {
    ticket
      .given([started(), created()])
      .when(recordClosed('auto-close'))
      .then(t, [closed('auto-close')])
  })
  t.test('closes once: a technician closing an auto-closed ticket appends nothing', async (t) => {
    ticket
      .given([started(), created(), closed('auto-close')])
      .when(recordClosed('technician'))
      .then(t, [])
  })
  t.test('appends nothing when there is no ticket yet', async (t) => {
    ticket.given([]).when(recordClosed('technician')).then(t, [], 'an empty stream')
    ticket.given([started()]).when(recordClosed('technician')).then(t, [], 'a creation still in progress')
  })
  t.test('appends nothing for another ticket than the current one', async (t) => {
    ticket.given([started(), created()]).when(recordClosed('technician', 4999)).then(t, [], 'an unknown ticket')
    ticket
      .given([started(), created(), closed('technician'), created('se-3', 5002)])
      .when(recordClosed('technician', 5001))
      .then(t, [], 'the previous, already closed ticket')
  })
})

t.test('RecordCloseFailed', async (t) => {
  t.test('records a close that failed while the ticket is open', async (t) => {
    ticket.given([started(), created()]).when(recordCloseFailed()).then(t, [closeFailed()])
  })
  t.test('appends nothing once the ticket is closed', async (t) => {
    ticket
      .given([started(), created(), closed('technician')])
      .when(recordCloseFailed())
      .then(t, [])
  })
  t.test('appends nothing for another ticket than the current one', async (t) => {
    ticket.given([started(), created()]).when(recordCloseFailed(4999)).then(t, [])
  })
})

t.test('planTicket tells the processor what to do with a security event', async (t) => {
  const plan = (facts: Parameters<typeof foldDecider>[1], key: string) =>
    planTicket(foldDecider(ticketDecider, facts), key)
  t.same(plan([], 'se-1'), { action: 'create' }, 'a new threat: create a ticket')
  t.same(
    plan([started()], 'se-1'),
    { action: 'create', recover: 'gzrelay:se-1' },
    'a creation started without its outcome: look for the ticket by its marker first'
  )
  t.same(plan([started(), created()], 'se-1'), { action: 'done' }, 'the event that created the ticket: done')
  t.same(plan([started(), created()], 'se-2'), { action: 'note', ticketId: 5001 }, 'a repeat while open: a note')
  t.same(plan([started(), created(), closed('technician')], 'se-2'), { action: 'create' }, 'a repeat after the close')
  t.same(plan([started(), createFailed()], 'se-1'), { action: 'done' }, 'a failed creation is not retried forever')
})

const replayData = (key = 'se-1'): FactData<'SecurityEventReplayRequested'> => ({
  eventKey: key,
  threatKey: threat.threatKey,
  factId: `fact-${key}`,
  position: '42',
  actor: 'operator',
  previousOutcome: 'skipped'
})
const replayRequested = (key?: string) => domainFact('SecurityEventReplayRequested', replayData(key))
const requestReplay = (key?: string): TicketCommand => ({ type: 'RequestReplay', data: replayData(key) })

t.test('RequestReplay', async (t) => {
  t.test('records a replay of a skipped or failed security event', async (t) => {
    ticket.given([skipped()]).when(requestReplay()).then(t, [replayRequested()], 'after a skip')
    ticket.given([started(), createFailed()]).when(requestReplay()).then(t, [replayRequested()], 'after a failure')
  })
  t.test('refuses an event that has a ticket or a note, even after an earlier replay', async (t) => {
    const refusal = { code: 'not_replayable' }
    ticket.given([started(), created()]).when(requestReplay()).then(t, refusal, 'ticketed')
    ticket
      .given([started(), created(), noted('se-2')])
      .when(requestReplay('se-2'))
      .then(t, refusal, 'noted')
    ticket
      .given([skipped(), replayRequested(), started(), created()])
      .when(requestReplay())
      .then(t, refusal, 'ticketed by a replay')
  })
  t.test('refuses a second replay while the first waits, and an event not handled yet', async (t) => {
    ticket.given([skipped(), replayRequested()]).when(requestReplay()).then(t, { code: 'not_replayable' })
    ticket.given([]).when(requestReplay()).then(t, { code: 'not_replayable' })
  })
  t.test('after a replay the event is handled again: a creation may start, a skip may be recorded', async (t) => {
    ticket.given([skipped(), replayRequested()]).when(startCreation()).then(t, [started()])
    ticket.given([skipped(), replayRequested()]).when(recordSkipped()).then(t, [skipped()])
  })
  t.test('a replay of an unconfirmed creation looks for the ticket by its marker first', async (t) => {
    const unconfirmed = domainFact('TicketCreateFailed', { ...createFailedData(), cause: 'unconfirmed' })
    const state = foldDecider(ticketDecider, [started(), unconfirmed, replayRequested()])
    t.same(planTicket(state, 'se-1'), { action: 'create', recover: 'gzrelay:se-1' })
  })
})
