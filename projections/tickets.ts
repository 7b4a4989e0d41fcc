import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import { factTime } from '../src/domain/ticket.js'
import type { FamilyTicket } from '../src/domain/ticketRules.js'
import type { Projection } from './projection.js'

/**
 * The relay's HaloPSA tickets by id: which threat stream and mapping each belongs to, and whether
 * it is open; and the newest ticket of each threat per client, for consolidating endpoints hit by
 * the same threat (docs/ticket-rules.md). Closed tickets stay: a closed ticket may be re-opened.
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes, so that snapshots
 * of the old shape are ignored (projections/projection.ts).
 */
const VERSION = 1

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
}

const familyIndex = (mappingId: string, familyKey: string) => `${mappingId} ${familyKey}`

const evolveTickets = (state: TicketsState, fact: StoredFact & Fact): TicketsState => {
  switch (fact.type) {
    case 'TicketCreated': {
      const d = fact.data
      const eventAt = d.eventAt === undefined ? NaN : Date.parse(d.eventAt)
      state.byId.set(d.ticketId, {
        ticketId: d.ticketId,
        threatKey: d.threatKey,
        mappingId: d.mappingId,
        open: true,
        createdAt: fact.recordedAt.toISOString(),
        openedAt: Number.isNaN(eventAt) ? factTime(fact) : eventAt,
        ...(d.familyKey !== undefined ? { familyKey: d.familyKey } : {})
      })
      if (d.familyKey !== undefined) state.byFamily.set(familyIndex(d.mappingId, d.familyKey), d.ticketId)
      state.open++
      return state
    }
    case 'TicketReopened': {
      const record = state.byId.get(fact.data.ticketId)
      if (record && !record.open) {
        const { closedBy: _, ...reopened } = record
        state.byId.set(record.ticketId, { ...reopened, open: true })
        state.open++
      }
      return state
    }
    case 'TicketClosed': {
      const d = fact.data
      const record = state.byId.get(d.ticketId)
      if (record?.open) {
        state.byId.set(d.ticketId, { ...record, open: false, closedBy: d.by })
        state.open--
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
  initialState: () => ({ byId: new Map(), open: 0, byFamily: new Map() }),
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
