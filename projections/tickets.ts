import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import { factTime } from '../src/domain/ticket.js'
import type { FamilyTicket } from '../src/domain/ticketRules.js'
import type { Projection } from './projection.js'

/**
 * The relay's HaloPSA tickets by id: which threat stream and mapping each belongs to, and whether
 * it is open; and the newest ticket of each threat per client, for consolidating endpoints hit by
 * the same threat (docs/ticket-rules.md).
 *
 * Memory is bounded (docs/architecture.md#bounded-memory): open tickets stay, closed ones only for
 * the newest CLOSED_KEPT closes. Nothing needs an older closed ticket: the ticket rules read a
 * threat's own ticket (to note or re-open it) from its stream, consolidate only into an open
 * ticket, and a HaloPSA notification matters only for an open one. A re-open of a ticket no
 * longer kept brings it back from the TicketReopened fact.
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes, so that snapshots
 * of the old shape are ignored (projections/projection.ts).
 */
const VERSION = 2

/** Closed tickets kept, newest closes first. */
export const CLOSED_KEPT = 1_000

type TicketRecord = {
  ticketId: number
  threatKey: string
  mappingId: string
  open: boolean
  createdAt: string
  /** When the security event that opened it was received (ms), the ticket rules' clock. */
  openedAt: number
  familyKey?: string
  closedBy?: 'auto-close' | 'technician' | 'gone'
}
type TicketsState = {
  byId: Map<number, TicketRecord>
  open: number
  /** `<mappingId> <familyKey>` → the newest ticket created for that threat on any endpoint. */
  byFamily: Map<string, number>
  /** The closed tickets kept, oldest close first. */
  closed: Map<number, true>
}

const familyIndex = (mappingId: string, familyKey: string) => `${mappingId} ${familyKey}`

const forgetOldClosed = (state: TicketsState) => {
  for (const id of state.closed.keys()) {
    if (state.closed.size <= CLOSED_KEPT) return
    state.closed.delete(id)
    const record = state.byId.get(id)
    state.byId.delete(id)
    if (record?.familyKey !== undefined) {
      const family = familyIndex(record.mappingId, record.familyKey)
      if (state.byFamily.get(family) === id) state.byFamily.delete(family)
    }
  }
}

/** An open ticket's record from the fact that opened it (a creation, or a re-open of one no longer kept). */
const openedBy = (
  fact: StoredFact & Fact,
  d: { ticketId: number; threatKey: string; mappingId: string; eventAt?: string | undefined }
): TicketRecord => {
  const eventAt = d.eventAt === undefined ? NaN : Date.parse(d.eventAt)
  return {
    ticketId: d.ticketId,
    threatKey: d.threatKey,
    mappingId: d.mappingId,
    open: true,
    createdAt: fact.recordedAt.toISOString(),
    openedAt: Number.isNaN(eventAt) ? factTime(fact) : eventAt
  }
}

const evolveTickets = (state: TicketsState, fact: StoredFact & Fact): TicketsState => {
  switch (fact.type) {
    case 'TicketCreated': {
      const d = fact.data
      state.byId.set(d.ticketId, {
        ...openedBy(fact, d),
        ...(d.familyKey !== undefined ? { familyKey: d.familyKey } : {})
      })
      if (d.familyKey !== undefined) state.byFamily.set(familyIndex(d.mappingId, d.familyKey), d.ticketId)
      state.open++
      return state
    }
    case 'TicketReopened': {
      const d = fact.data
      const record = state.byId.get(d.ticketId)
      if (record?.open) return state
      if (record) {
        const { closedBy: _, ...reopened } = record
        state.byId.set(record.ticketId, { ...reopened, open: true })
        state.closed.delete(record.ticketId)
      } else {
        // Closed long ago and no longer kept: back from what the re-open says.
        state.byId.set(d.ticketId, openedBy(fact, d))
      }
      state.open++
      return state
    }
    case 'TicketClosed': {
      const d = fact.data
      const record = state.byId.get(d.ticketId)
      if (record?.open) {
        state.byId.set(d.ticketId, { ...record, open: false, closedBy: d.by })
        state.open--
        state.closed.set(d.ticketId, true)
        forgetOldClosed(state)
      }
      return state
    }
    default:
      return state
  }
}

export const ticketsProjection: Projection<TicketsState> = {
  name: 'tickets',
  version: VERSION,
  initialState: () => ({ byId: new Map(), open: 0, byFamily: new Map(), closed: new Map() }),
  evolve: evolveTickets,
  bodiesFor: ['TicketCreated', 'TicketClosed', 'TicketReopened']
}

export const openTickets = (state: TicketsState): TicketRecord[] => [...state.byId.values()].filter((t) => t.open)

/** The newest ticket of a threat for a mapping's client, whichever endpoint it was created for. */
export const familyTicket = (state: TicketsState, mappingId: string, familyKey: string): FamilyTicket | undefined => {
  const id = state.byFamily.get(familyIndex(mappingId, familyKey))
  const record = id === undefined ? undefined : state.byId.get(id)
  return record && { ticketId: record.ticketId, open: record.open, openedAt: record.openedAt }
}
