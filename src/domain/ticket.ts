import type { Decider } from './decider.js'
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

const initialTicket = (): TicketState => ({ open: false, handled: new Set() })

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
      delete state.pending
      break
    }
    case 'TicketNoteAdded':
      state.handled.add(fact.data.securityEventKey)
      break
    case 'TicketNoteFailed':
      state.handled.add(fact.data.securityEventKey)
      break
    case 'TicketCreateFailed':
      state.handled.add(fact.data.securityEventKey)
      delete state.pending
      break
    case 'TicketingSkipped':
      state.handled.add(fact.data.securityEventKey)
      break
    case 'TicketClosed':
      if (fact.data.ticketId === state.ticketId) state.open = false
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
  return { action: 'create' }
}
