import type { StoredFact } from '../src/store/port.js'
import type { Fact, FactData } from '../src/domain/facts.js'
import type { Projection } from './projection.js'

/**
 * What became of every GravityZone security event (docs/security-events.md): one record per event
 * key, derived from the facts only. A record keeps what the API filters and shows (ids, outcome,
 * keys, company, mapping, module, times) and the ids of the facts behind it, never the event's
 * body: the detail route reads those facts back from the store.
 */

export const outcomes = ['ticketed', 'noted', 'auto-closed', 'skipped', 'pending', 'failed'] as const
export type SecurityEventOutcome = (typeof outcomes)[number]

type FactRef = { id: string; type: string; position: string }

export type SecurityEventRecord = {
  key: string
  threatKey: string
  /** The SecurityEventReceived fact (the first, when GravityZone sent the event again in another batch). */
  factId: string
  position: string
  module: string
  companyId?: string
  mappingId?: string
  endpointName?: string
  threatName?: string
  isTest: boolean
  receivedAt: string
  occurredAt?: string
  outcome: SecurityEventOutcome
  ticketId?: number
  /** Why it was skipped (TicketingSkipped's reason). */
  reason?: FactData<'TicketingSkipped'>['reason']
  /** What failed: the fact that says so (TicketCreateFailed, TicketNoteFailed or FactParked). */
  failure?: { factId: string; factType: string; message: string; cause?: string }
  replays: number
  /** The facts behind the outcome, oldest first (at most MAX_FACTS: the first and the latest). */
  facts: FactRef[]
  updatedAt: string
}

export type SecurityEventsState = {
  events: Map<string, SecurityEventRecord>
  /** Fact id (SecurityEventReceived, SecurityEventReplayRequested) → event key: what a parked fact was about. */
  byFactId: Map<string, string>
  /** Ticket created for an event → its key: an auto-close names the ticket only. */
  byTicket: Map<number, string>
}

const MAX_FACTS = 20

const refOf = (fact: StoredFact): FactRef => ({ id: fact.id, type: fact.type, position: fact.position.toString() })

const touch = (state: SecurityEventsState, key: string, fact: StoredFact): SecurityEventRecord | undefined => {
  const record = state.events.get(key)
  if (!record) return undefined
  record.facts.push(refOf(fact))
  // The first fact (the arrival) stays; the middle goes once there are too many.
  if (record.facts.length > MAX_FACTS) record.facts.splice(1, 1)
  record.updatedAt = fact.recordedAt.toISOString()
  return record
}

const settle = (record: SecurityEventRecord, outcome: SecurityEventOutcome): void => {
  record.outcome = outcome
  delete record.reason
  delete record.failure
}

const evolve = (state: SecurityEventsState, fact: StoredFact & Fact): SecurityEventsState => {
  switch (fact.type) {
    case 'SecurityEventReceived': {
      const d = fact.data
      if (state.events.has(d.eventKey)) return state
      const at = fact.recordedAt.toISOString()
      state.events.set(d.eventKey, {
        key: d.eventKey,
        threatKey: d.threatKey,
        factId: fact.id,
        position: fact.position.toString(),
        module: d.module,
        ...(d.companyId !== undefined ? { companyId: d.companyId } : {}),
        ...(d.endpointName !== undefined ? { endpointName: d.endpointName.slice(0, 200) } : {}),
        ...(d.threatName !== undefined ? { threatName: d.threatName.slice(0, 200) } : {}),
        isTest: d.isTest,
        receivedAt: at,
        ...(d.occurredAt !== undefined ? { occurredAt: d.occurredAt } : {}),
        outcome: 'pending',
        replays: 0,
        facts: [refOf(fact)],
        updatedAt: at
      })
      state.byFactId.set(fact.id, d.eventKey)
      return state
    }
    case 'TicketingSkipped': {
      const record = touch(state, fact.data.securityEventKey, fact)
      if (!record) return state
      settle(record, 'skipped')
      record.reason = fact.data.reason
      if (fact.data.mappingId !== undefined) record.mappingId = fact.data.mappingId
      if (fact.data.companyId !== undefined) record.companyId ??= fact.data.companyId
      return state
    }
    case 'TicketCreationStarted': {
      const record = touch(state, fact.data.securityEventKey, fact)
      if (record) {
        settle(record, 'pending')
        record.mappingId = fact.data.mappingId
      }
      return state
    }
    case 'TicketCreated':
    case 'TicketNoteAdded':
    case 'TicketReopened': {
      const d = fact.data
      const record = touch(state, d.securityEventKey, fact)
      if (!record) return state
      // A re-open adds the event to its threat's ticket again: noted, on that ticket.
      settle(record, fact.type === 'TicketCreated' ? 'ticketed' : 'noted')
      record.ticketId = d.ticketId
      record.mappingId = d.mappingId
      if (fact.type === 'TicketCreated') state.byTicket.set(d.ticketId, d.securityEventKey)
      return state
    }
    case 'TicketClosed': {
      const key = state.byTicket.get(fact.data.ticketId)
      const record = key !== undefined ? touch(state, key, fact) : undefined
      if (record?.outcome === 'ticketed' && fact.data.by === 'auto-close') record.outcome = 'auto-closed'
      return state
    }
    case 'TicketCreateFailed':
    case 'TicketNoteFailed': {
      const d = fact.data
      const record = touch(state, d.securityEventKey, fact)
      if (!record) return state
      settle(record, 'failed')
      record.mappingId = d.mappingId
      record.failure = {
        factId: fact.id,
        factType: fact.type,
        message: d.message.slice(0, 500),
        ...('cause' in d ? { cause: d.cause } : {})
      }
      return state
    }
    case 'SecurityEventReplayRequested': {
      const record = touch(state, fact.data.eventKey, fact)
      if (!record) return state
      settle(record, 'pending')
      record.replays++
      state.byFactId.set(fact.id, record.key)
      return state
    }
    case 'FactParked': {
      if (fact.data.processor !== 'ticketing') return state
      const key = state.byFactId.get(fact.data.factId)
      const record = key !== undefined ? touch(state, key, fact) : undefined
      if (record?.outcome !== 'pending') return state
      settle(record, 'failed')
      record.failure = { factId: fact.id, factType: 'FactParked', message: fact.data.error }
      return state
    }
    case 'ParkedFactRetried': {
      const key = fact.data.processor === 'ticketing' ? state.byFactId.get(fact.data.factId) : undefined
      const record = key !== undefined ? touch(state, key, fact) : undefined
      if (record?.failure?.factType === 'FactParked') settle(record, 'pending')
      return state
    }
    default:
      return state
  }
}

const types = [
  'SecurityEventReceived',
  'TicketingSkipped',
  'TicketCreationStarted',
  'TicketCreated',
  'TicketNoteAdded',
  'TicketReopened',
  'TicketClosed',
  'TicketCreateFailed',
  'TicketNoteFailed',
  'SecurityEventReplayRequested',
  'FactParked',
  'ParkedFactRetried'
]

/** Bump when the state's shape or what evolve derives changes: older snapshots are then ignored. */
const VERSION = 1

export const securityEventsProjection: Projection<SecurityEventsState> = {
  name: 'securityEvents',
  version: VERSION,
  initialState: () => ({ events: new Map(), byFactId: new Map(), byTicket: new Map() }),
  evolve,
  bodiesFor: types,
  // A record per security event: restoring 431,000 of them from a snapshot took about as long as
  // folding their facts again and left the process at three times the memory, and writing the
  // snapshot slowed webhooks (docs/benchmarks.md#history-start-up-and-memory). Folded at every start
  // until the read model keeps only recent events (docs/architecture.md#bounded-memory).
  snapshotted: false
}

/** Skipped and failed events may be handed to ticketing again; nothing else. */
export const isReplayable = (record: SecurityEventRecord): boolean =>
  record.outcome === 'skipped' || record.outcome === 'failed'
