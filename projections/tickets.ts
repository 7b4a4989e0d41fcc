import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import type { Projection } from './projection.js'

/**
 * The relay's open HaloPSA tickets by id, with the threat stream and mapping each belongs to, and
 * how many have been closed. A closed ticket leaves memory: nothing reads it back from the read
 * model (the ticket's own stream, `ticket-<threatKey>`, keeps its whole story), so the state stays
 * as small as the open tickets however long the history.
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
}
type TicketsState = { byId: Map<number, TicketRecord>; open: number; closed: number }

const evolveTickets = (state: TicketsState, fact: StoredFact & Fact): TicketsState => {
  switch (fact.type) {
    case 'TicketCreated': {
      const d = fact.data
      state.byId.set(d.ticketId, {
        ticketId: d.ticketId,
        threatKey: d.threatKey,
        mappingId: d.mappingId,
        open: true,
        createdAt: fact.recordedAt.toISOString()
      })
      state.open++
      return state
    }
    case 'TicketClosed': {
      const d = fact.data
      if (state.byId.delete(d.ticketId)) {
        state.open--
        state.closed++
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
  initialState: () => ({ byId: new Map(), open: 0, closed: 0 }),
  evolve: evolveTickets,
  bodiesFor: ['TicketCreated', 'TicketClosed']
}

export const openTickets = (state: TicketsState): TicketRecord[] => [...state.byId.values()].filter((t) => t.open)
