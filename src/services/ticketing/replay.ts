import type { FactData } from '../../domain/facts.js'
import type { TicketState } from '../../domain/ticket.js'
import {
  decideTicket,
  type FamilyTicket,
  type RuleEvent,
  type ThreatTicket,
  type TicketRules
} from '../../domain/ticketRules.js'

/**
 * The backtest's world (ticketingBacktest.ts): tickets as a candidate rule set would have made
 * them, fed the recorded history in order. Each security event is decided with the same function
 * as live ticketing (decideTicket), at the point where live ticketing decided it, with the time the
 * relay received it as the clock. What the rules do not decide is taken from what happened: events
 * the relay skipped for a reason outside the rules (unmapped, suspended, ticketing off, module not
 * ticketed…) stay skipped, and a technician's close closes the ticket that holds the threat.
 */

export type Counts = {
  tickets: number
  notes: number
  reopened: number
  consolidated: number
  /** Events an exclusion rule kept from making a ticket. */
  excluded: number
  /** Events skipped for a reason outside the rules (unmapped, suspended, ticketing off, …). */
  skipped: number
  /** HaloPSA refused or kept failing (what happened only: the rules do not predict HaloPSA). */
  failed: number
  /** New tickets by HaloPSA priority id ("default": the ticket type's own). */
  priorities: Record<string, number>
}

export const zeroCounts = (): Counts => ({
  tickets: 0,
  notes: 0,
  reopened: 0,
  consolidated: 0,
  excluded: 0,
  skipped: 0,
  failed: 0,
  priorities: {}
})

/** What live ticketing did with an event, read from the ticket stream's facts. */
export type Outcome =
  | { kind: 'created'; ticketId: number; priorityId?: number }
  | { kind: 'noted' | 'consolidated' | 'reopened'; ticketId: number }
  | { kind: 'excluded' }
  | { kind: 'skipped' }
  | { kind: 'failed' }

export type ReplaySettings = { rules: TicketRules; autoCloseBlocked: boolean; defaultPriorityId?: number }

type SimTicket = { open: boolean; openedAt: number; closedAt?: number; gone: boolean }
type SimThreat = { ticketId: number; lastEventAt: number; own: boolean }

const bump = (counts: Counts, outcome: Outcome['kind'] | 'created') => {
  const key = ({ created: 'tickets', noted: 'notes' } as const)[outcome as 'created' | 'noted'] ?? outcome
  counts[key as Exclude<keyof Counts, 'priorities'>]++
}

export const createReplay = (settings: ReplaySettings) => {
  const { rules } = settings
  const tickets = new Map<number, SimTicket>()
  const threats = new Map<string, SimThreat>()
  const families = new Map<string, number>()
  /** A ticket that really exists → the simulated ticket a technician's close of it closes. */
  const actualToSim = new Map<number, number>()
  const seeded = new Set<string>()
  const simulated = new Map<string, Counts>()
  const actual = new Map<string, Counts>()
  let nextId = -1

  const countsOf = (by: Map<string, Counts>, mappingId: string) => {
    let counts = by.get(mappingId)
    if (!counts) by.set(mappingId, (counts = zeroCounts()))
    return counts
  }

  const close = (ticket: SimTicket, at: number, gone: boolean) => {
    ticket.open = false
    ticket.closedAt = at
    ticket.gone = gone
  }

  const threatView = (threatKey: string): ThreatTicket | undefined => {
    const threat = threats.get(threatKey)
    const ticket = threat && tickets.get(threat.ticketId)
    if (!threat || !ticket) return undefined
    return {
      ticketId: threat.ticketId,
      open: ticket.open,
      lastEventAt: threat.lastEventAt,
      ...(ticket.closedAt !== undefined ? { closedAt: ticket.closedAt } : {}),
      gone: ticket.gone,
      own: threat.own
    }
  }

  const familyView = (family: string): FamilyTicket | undefined => {
    const id = families.get(family)
    const ticket = id === undefined ? undefined : tickets.get(id)
    return ticket && { ticketId: id!, open: ticket.open, openedAt: ticket.openedAt }
  }

  const simulate = (threatKey: string, event: RuleEvent, mappingId: string, counts: Counts) => {
    const family = `${mappingId} ${event.familyKey}`
    const threat = threatView(threatKey)
    const familyTicket = rules.consolidation.endpointWindowMinutes !== undefined ? familyView(family) : undefined
    const decision = decideTicket(rules, {
      event,
      ...(threat ? { threat } : {}),
      ...(familyTicket ? { family: familyTicket } : {}),
      ...(settings.defaultPriorityId !== undefined ? { defaultPriorityId: settings.defaultPriorityId } : {})
    })
    const autoClose = (ticket: SimTicket) => {
      if (settings.autoCloseBlocked && event.blocked) close(ticket, event.at, false)
    }
    switch (decision.action) {
      case 'skip':
        return bump(counts, 'excluded')
      case 'note':
        threats.get(threatKey)!.lastEventAt = event.at
        return bump(counts, 'noted')
      case 'consolidate':
        threats.set(threatKey, { ticketId: decision.ticketId, lastEventAt: event.at, own: false })
        return bump(counts, 'consolidated')
      case 'reopen': {
        const ticket = tickets.get(decision.ticketId)!
        ticket.open = true
        delete ticket.closedAt
        threats.get(threatKey)!.lastEventAt = event.at
        autoClose(ticket)
        return bump(counts, 'reopened')
      }
      case 'create': {
        const ticket: SimTicket = { open: true, openedAt: event.at, gone: false }
        const id = nextId--
        tickets.set(id, ticket)
        threats.set(threatKey, { ticketId: id, lastEventAt: event.at, own: true })
        families.set(family, id)
        autoClose(ticket)
        const priority = String(decision.priorityId ?? 'default')
        counts.priorities[priority] = (counts.priorities[priority] ?? 0) + 1
        return bump(counts, 'created')
      }
    }
  }

  return {
    /** Whether the threat's state before the period was given. */
    seeded: (threatKey: string) => seeded.has(threatKey),

    /**
     * The threat's ticket as it really was when the period began (its stream folded up to then);
     * `owner`: the stream of a ticket it had joined from another endpoint, folded the same way.
     */
    seed(threatKey: string, state: TicketState, owner?: TicketState) {
      seeded.add(threatKey)
      for (const id of state.openTickets) {
        if (!tickets.has(id)) tickets.set(id, { open: true, openedAt: state.lastEventAt ?? 0, gone: false })
        actualToSim.set(id, id)
      }
      if (state.ticketId === undefined) return
      const id = state.ticketId
      const own = state.linkedTo === undefined
      if (!tickets.has(id)) {
        const open = own ? state.open : (owner?.openTickets.has(id) ?? false)
        const closed = own && state.closedAt !== undefined ? { closedAt: state.closedAt } : {}
        tickets.set(id, { open, openedAt: state.lastEventAt ?? 0, gone: own && state.closedBy === 'gone', ...closed })
      }
      actualToSim.set(id, id)
      threats.set(threatKey, { ticketId: id, lastEventAt: state.lastEventAt ?? 0, own })
    },

    /** One security event, where live ticketing decided it; `outcome` is what live ticketing did. */
    decide(threatKey: string, event: RuleEvent, mappingId: string, outcome: Outcome) {
      bump(countsOf(actual, mappingId), outcome.kind)
      if (outcome.kind === 'created') {
        const priorities = countsOf(actual, mappingId).priorities
        const priority = String(outcome.priorityId ?? 'default')
        priorities[priority] = (priorities[priority] ?? 0) + 1
      }
      const counts = countsOf(simulated, mappingId)
      if (outcome.kind === 'skipped') return bump(counts, 'skipped')
      simulate(threatKey, event, mappingId, counts)
      const simTicket = threats.get(threatKey)?.ticketId
      if ('ticketId' in outcome && simTicket !== undefined) actualToSim.set(outcome.ticketId, simTicket)
    },

    /** A ticket really closed (auto-closes are the rules' own doing, simulated with the creation). */
    closed(threatKey: string, data: FactData<'TicketClosed'>, at: number) {
      if (data.by === 'auto-close') return
      const id = actualToSim.get(data.ticketId) ?? threats.get(threatKey)?.ticketId
      const ticket = id === undefined ? undefined : tickets.get(id)
      if (ticket?.open) close(ticket, at, data.by === 'gone')
    },

    /** Counts by mapping id ('' for events without one). */
    results: () => ({ simulated, actual })
  }
}

export type Replay = ReturnType<typeof createReplay>
