import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import { evolveRegistry, initialRegistry, type RegistryState } from '../src/domain/mappingRegistry.js'
import type { Projection } from './projection.js'

/**
 * Mappings as the API lists them: the registry fold (the same evolve the registry decider uses)
 * plus what the services last did for each mapping.
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes (here or in
 * evolveRegistry), so that snapshots of the old shape are ignored (projections/projection.ts).
 */
const VERSION = 1

type MappingActivity = { lastBilledMonth?: string; ticketsCreated: number; lastTicketAt?: string }

type MappingsState = RegistryState & { activity: Map<string, MappingActivity> }

const initialMappings = (): MappingsState => ({ ...initialRegistry(), activity: new Map() })

const activityOf = (state: MappingsState, mappingId: string): MappingActivity => {
  let a = state.activity.get(mappingId)
  if (!a) state.activity.set(mappingId, (a = { ticketsCreated: 0 }))
  return a
}

const evolveMappings = (state: MappingsState, fact: StoredFact & Fact): MappingsState => {
  switch (fact.type) {
    case 'MappingCreated':
    case 'MappingUpdated':
      evolveRegistry(state, fact)
      return state
    case 'MappingDeleted':
      evolveRegistry(state, fact)
      state.activity.delete(fact.data.mappingId)
      return state
    case 'UsageBilled': {
      const d = fact.data
      if (state.mappings.has(d.mappingId)) activityOf(state, d.mappingId).lastBilledMonth = d.month
      return state
    }
    case 'TicketCreated': {
      const d = fact.data
      if (!state.mappings.has(d.mappingId)) return state
      const a = activityOf(state, d.mappingId)
      a.ticketsCreated++
      a.lastTicketAt = fact.recordedAt.toISOString()
      return state
    }
    default:
      return state
  }
}

export const mappingsProjection: Projection<MappingsState> = {
  name: 'mappings',
  version: VERSION,
  initialState: initialMappings,
  evolve: evolveMappings,
  bodiesFor: ['MappingCreated', 'MappingUpdated', 'MappingDeleted', 'UsageBilled', 'TicketCreated']
}
