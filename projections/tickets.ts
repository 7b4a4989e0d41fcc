import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import type { Projection } from './projection.js'

/** The relay's HaloPSA tickets by id: which threat stream and mapping each belongs to, and whether it is open. */
type TicketRecord = {
  ticketId: number
  threatKey: string
  mappingId: string
  open: boolean
  createdAt: string
  closedBy?: 'auto-close' | 'technician' | 'gone'
}
type TicketsState = { byId: Map<number, TicketRecord>; open: number }

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
  initialState: () => ({ byId: new Map(), open: 0 }),
  evolve: evolveTickets,
  bodiesFor: ['TicketCreated', 'TicketClosed']
}

export const openTickets = (state: TicketsState): TicketRecord[] => [...state.byId.values()].filter((t) => t.open)
