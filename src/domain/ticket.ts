import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'
import type { ThreatTicket } from './ticketRules.js'

/**
 * The ticket for one threat on one endpoint (stream `ticket-<threatKey>`): which security events
 * it has handled, which ticket the threat last went into and whether it is open, and a creation
 * that was started but not recorded. A security event is handled once; what a repeat becomes (a
 * note, a new ticket, a re-open) is for the ticket rules (ticketRules.ts) to say.
 */

export type TicketState = {
  /** The ticket the threat last went into: its own, or another endpoint's it was consolidated into. */
  ticketId?: number
  /** Whether that ticket is open, as far as this stream knows (a joined ticket closes on its own stream). */
  open: boolean
  mappingId?: string
  /** Security events already turned into a ticket, a note, a skip or a failure. */
  handled: Set<string>
  /** A creation started (marker) without its outcome recorded. */
  pending?: { securityEventKey: string; marker: string }
  /** Tickets created for this stream that are still open (an older one stays open after a new one). */
  openTickets: Set<number>
  /** When the last event of this threat went into the ticket (ms). */
  lastEventAt?: number
  closedAt?: number
  closedBy?: FactData<'TicketClosed'>['by']
  /** Set when the ticket is another threat key's (consolidated): that stream records its close. */
  linkedTo?: string
}

/** When a fact was recorded by the relay's clock (the metadata), else by the store. */
export const factTime = (fact: Pick<Fact, 'recordedAt' | 'metadata'>): number => {
  const at = typeof fact.metadata?.recordedAt === 'string' ? Date.parse(fact.metadata.recordedAt) : NaN
  return Number.isNaN(at) ? fact.recordedAt.getTime() : at
}

const eventTime = (fact: Fact, eventAt: string | undefined): number => {
  const at = eventAt === undefined ? NaN : Date.parse(eventAt)
  return Number.isNaN(at) ? factTime(fact) : at
}

const opened = (state: TicketState, ticketId: number, at: number) => {
  state.ticketId = ticketId
  state.open = true
  state.lastEventAt = at
  delete state.closedAt
  delete state.closedBy
  delete state.linkedTo
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
  | { type: 'RecordReopened'; data: FactData<'TicketReopened'> }

const initialTicket = (): TicketState => ({ open: false, handled: new Set(), openTickets: new Set() })

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
      opened(state, d.ticketId, eventTime(fact, d.eventAt))
      state.openTickets.add(d.ticketId)
      state.mappingId = d.mappingId
      state.handled.add(d.securityEventKey)
      delete state.pending
      break
    }
    case 'TicketNoteAdded': {
      const d = fact.data
      state.handled.add(d.securityEventKey)
      if (d.consolidatedInto !== undefined) {
        opened(state, d.ticketId, eventTime(fact, d.eventAt))
        state.linkedTo = d.consolidatedInto
        state.mappingId = d.mappingId
      } else if (d.ticketId === state.ticketId) state.lastEventAt = eventTime(fact, d.eventAt)
      break
    }
    case 'TicketReopened': {
      const d = fact.data
      state.handled.add(d.securityEventKey)
      opened(state, d.ticketId, eventTime(fact, d.eventAt))
      state.openTickets.add(d.ticketId)
      break
    }
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
      state.openTickets.delete(fact.data.ticketId)
      if (fact.data.ticketId === state.ticketId) {
        state.open = false
        state.closedAt = factTime(fact)
        state.closedBy = fact.data.by
      }
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
    case 'RecordReopened':
      return state.handled.has(command.data.securityEventKey) ? [] : [domainFact('TicketReopened', command.data)]
    case 'RecordClosed':
      // Closed once: a technician's close after an auto-close (or a repeated webhook) adds nothing. An
      // older ticket left open when a repeat outside the window opened a new one still closes.
      return state.openTickets.has(command.data.ticketId) ? [domainFact('TicketClosed', command.data)] : []
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
  // A creation started for this very event goes on (a repeat outside the window starts one while the
  // old ticket is still open).
  if (state.pending?.securityEventKey === securityEventKey) return { action: 'create', recover: state.pending.marker }
  if (state.open && state.ticketId !== undefined) return { action: 'note', ticketId: state.ticketId }
  return { action: 'create' }
}

/**
 * The ticket rules' view of this threat's ticket. `owner` is the stream of a ticket this endpoint
 * joined (consolidation): whether that ticket is open is recorded there.
 */
export const threatTicketOf = (state: TicketState, owner?: TicketState): ThreatTicket | undefined => {
  if (state.ticketId === undefined) return undefined
  const lastEventAt = state.lastEventAt ?? 0
  if (state.linkedTo === undefined)
    return {
      ticketId: state.ticketId,
      open: state.open,
      lastEventAt,
      ...(state.closedAt !== undefined ? { closedAt: state.closedAt } : {}),
      gone: state.closedBy === 'gone',
      own: true
    }
  const open = owner?.openTickets.has(state.ticketId) ?? false
  return { ticketId: state.ticketId, open, lastEventAt, gone: false, own: false }
}
