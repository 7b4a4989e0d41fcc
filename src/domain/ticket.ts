import type { Decider } from './decider.js'
import { DomainError } from './errors.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/**
 * The ticket for one threat on one endpoint (stream `ticket-<threatKey>`): which security events
 * it has handled, whether a ticket is open, and a creation that was started but not recorded.
 * A security event is handled once; a repeat of the threat while the ticket is open becomes a note.
 */

export type TicketState = {
  ticketId?: number
  open: boolean
  mappingId?: string
  /** Security events already turned into a ticket, a note, a skip or a failure. */
  handled: Set<string>
  /** A creation started (marker) without its outcome recorded. */
  pending?: { securityEventKey: string; marker: string }
  /** Security events that became a ticket or a note: never handled again, not even on a replay. */
  ticketed: Set<string>
  /** Creations that may have happened unseen (unconfirmed failures): a replay looks for them by marker first. */
  unconfirmed: Map<string, string>
}

export type TicketCommand =
  | { type: 'StartCreation'; data: FactData<'TicketCreationStarted'> }
  | { type: 'RecordCreated'; data: FactData<'TicketCreated'> }
  | { type: 'RecordNote'; data: FactData<'TicketNoteAdded'> }
  | { type: 'RecordNoteFailed'; data: FactData<'TicketNoteFailed'> }
  | { type: 'RecordCreateFailed'; data: FactData<'TicketCreateFailed'> }
  | { type: 'RecordSkipped'; data: FactData<'TicketingSkipped'> }
  | { type: 'RecordClosed'; data: FactData<'TicketClosed'> }
  | { type: 'RecordCloseFailed'; data: FactData<'TicketCloseFailed'> }
  | { type: 'RequestReplay'; data: FactData<'SecurityEventReplayRequested'> }

const initialTicket = (): TicketState => ({
  open: false,
  handled: new Set(),
  ticketed: new Set(),
  unconfirmed: new Map()
})

const evolveTicket = (state: TicketState, fact: Fact): TicketState => {
  switch (fact.type) {
    case 'TicketCreationStarted': {
      const d = fact.data
      state.pending = { securityEventKey: d.securityEventKey, marker: d.marker }
      state.mappingId = d.mappingId
      break
    }
    case 'TicketCreated': {
      const d = fact.data
      state.ticketId = d.ticketId
      state.open = true
      state.mappingId = d.mappingId
      state.handled.add(d.securityEventKey)
      state.ticketed.add(d.securityEventKey)
      state.unconfirmed.delete(d.securityEventKey)
      delete state.pending
      break
    }
    case 'TicketNoteAdded':
      state.handled.add(fact.data.securityEventKey)
      state.ticketed.add(fact.data.securityEventKey)
      break
    case 'TicketNoteFailed':
      state.handled.add(fact.data.securityEventKey)
      break
    case 'TicketCreateFailed':
      state.handled.add(fact.data.securityEventKey)
      if (fact.data.cause === 'unconfirmed' && state.pending?.securityEventKey === fact.data.securityEventKey)
        state.unconfirmed.set(fact.data.securityEventKey, state.pending.marker)
      delete state.pending
      break
    case 'TicketingSkipped':
      state.handled.add(fact.data.securityEventKey)
      break
    case 'TicketClosed':
      if (fact.data.ticketId === state.ticketId) state.open = false
      break
    case 'SecurityEventReplayRequested':
      // Handled no more: the processor hands the event to ticketing again when it reaches this fact.
      state.handled.delete(fact.data.eventKey)
      break
  }
  return state
}

const decideTicket = (command: TicketCommand, state: TicketState): DomainFact[] => {
  switch (command.type) {
    case 'StartCreation':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketCreationStarted', command.data)]
    case 'RecordCreated':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketCreated', command.data)]
    case 'RecordNote':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketNoteAdded', command.data)]
    case 'RecordNoteFailed':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketNoteFailed', command.data)]
    case 'RecordCreateFailed':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketCreateFailed', command.data)]
    case 'RecordSkipped':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketingSkipped', command.data)]
    case 'RecordClosed':
      // Closed once: a technician's close after an auto-close (or a repeated webhook) adds nothing.
      return state.open && state.ticketId === command.data.ticketId ? [domainFact('TicketClosed', command.data)] : []
    case 'RecordCloseFailed':
      return state.open && state.ticketId === command.data.ticketId
        ? [domainFact('TicketCloseFailed', command.data)]
        : []
    case 'RequestReplay': {
      const key = command.data.eventKey
      // The rule that makes replays safe, whoever asks: a ticket or a note is never made twice.
      if (state.ticketed.has(key))
        throw new DomainError('not_replayable', 'the security event has a ticket (or a note) already', {
          eventKey: key
        })
      if (!state.handled.has(key))
        throw new DomainError('not_replayable', 'the security event is being handled (a replay may be waiting)', {
          eventKey: key
        })
      return [domainFact('SecurityEventReplayRequested', command.data)]
    }
  }
}

export const ticketDecider: Decider<TicketCommand, TicketState> = {
  initialState: initialTicket,
  evolve: evolveTicket,
  decide: decideTicket
}

/** What to do with a security event, given the ticket stream (pure; the processor does the I/O). */
type TicketPlan = { action: 'done' } | { action: 'create'; recover?: string } | { action: 'note'; ticketId: number }

export const planTicket = (state: TicketState, securityEventKey: string): TicketPlan => {
  if (state.handled.has(securityEventKey)) return { action: 'done' }
  if (state.open && state.ticketId !== undefined) return { action: 'note', ticketId: state.ticketId }
  if (state.pending?.securityEventKey === securityEventKey) return { action: 'create', recover: state.pending.marker }
  const unconfirmed = state.unconfirmed.get(securityEventKey)
  if (unconfirmed !== undefined) return { action: 'create', recover: unconfirmed }
  return { action: 'create' }
}
