import type { StoredFact } from '../src/store/port.js'
import type { Fact, FactData, FactOf } from '../src/domain/facts.js'
import type { Projection } from './projection.js'

/**
 * What became of every GravityZone security event (docs/security-events.md), derived from the facts
 * only. A record keeps what the API filters and shows (ids, outcome, keys, company, mapping,
 * module, times) and the ids of the facts behind it, never the event's body: the detail route reads
 * those facts back from the store.
 *
 * Memory is bounded, whatever the length of the history (docs/architecture.md#bounded-memory):
 * records are kept for the newest `recent` events, and for older ones whose outcome can still change
 * (pending, failed, or ticketed on a ticket not closed yet). An older settled record leaves memory;
 * what stays of it is its count, per day and company, for the summary. The service reads such an
 * event back from the store (its SecurityEventReceived fact and its threat's ticket stream, folded
 * with this same `evolve`: `recordFromFacts`).
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
  /** Ticketed: the ticket has been closed once (the outcome no longer changes). */
  ticketClosed?: true
  /** Why it was skipped (TicketingSkipped's reason). */
  reason?: FactData<'TicketingSkipped'>['reason']
  /** What failed: the fact that says so (TicketCreateFailed, TicketNoteFailed or FactParked). */
  failure?: { factId: string; factType: string; message: string; cause?: string }
  replays: number
  /** The facts behind the outcome, oldest first (at most MAX_FACTS: the first and the latest). */
  facts: FactRef[]
  updatedAt: string
}

/**
 * The events of one company received in one period that have left memory, by outcome: a day
 * (`2026-11-02`, UTC) for the last DAYS_KEPT days of the history, a month (`2026-11`) before.
 */
export type ArchivedCounts = {
  period: string
  companyId: string | null
  mappingId: string | null
  total: number
  byOutcome: Partial<Record<SecurityEventOutcome, number>>
}

export type SecurityEventsState = {
  /** The newest events, in the order they arrived (oldest first). */
  events: Map<string, SecurityEventRecord>
  /** Older events whose outcome can still change, until it settles. */
  held: Map<string, SecurityEventRecord>
  /** Fact id (SecurityEventReceived, SecurityEventReplayRequested) → event key: what a parked fact was about. */
  byFactId: Map<string, string>
  /** Ticket created for an event → its key: a close names the ticket only. */
  byTicket: Map<number, string>
  /** `<period> <companyId>` → counts of the events that left memory. */
  archived: Map<string, ArchivedCounts>
  /** The newest day an event that left memory was received, and the day DAYS_KEPT days before it. */
  newestDay: string
  cutoffDay: string
  /** How many events left memory; and the newest position among them ('0' when none has). */
  archivedTotal: number
  archivedThrough: string
}

/** Records kept for the newest events: enough for the pages people look at, a few MB. */
export const RECENT_EVENTS = 10_000
/** Days counted day by day, before the newest (older ones by month): the buckets stay few over years. */
export const DAYS_KEPT = 92
const DAY = 86_400_000

const MAX_FACTS = 20

const refOf = (fact: StoredFact): FactRef => ({ id: fact.id, type: fact.type, position: fact.position.toString() })

const find = (state: SecurityEventsState, key: string): SecurityEventRecord | undefined =>
  state.events.get(key) ?? state.held.get(key)

const touch = (state: SecurityEventsState, key: string, fact: StoredFact): SecurityEventRecord | undefined => {
  const record = find(state, key)
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

/** Whether the record's outcome can no longer change but through a replay (which says what it replays). */
export const isSettled = (r: SecurityEventRecord): boolean =>
  r.outcome === 'skipped' ||
  r.outcome === 'noted' ||
  r.outcome === 'auto-closed' ||
  (r.outcome === 'ticketed' && r.ticketClosed === true)

/** The day before which events are counted by month. */
const cutoffOf = (newestDay: string): string =>
  new Date(Date.parse(newestDay) - DAYS_KEPT * DAY).toISOString().slice(0, 10)

const bucketOf = (state: SecurityEventsState, receivedAt: string, companyId: string | undefined) => {
  const day = receivedAt.slice(0, 10)
  const period = day < state.cutoffDay ? day.slice(0, 7) : day
  const id = `${period} ${companyId ?? ''}`
  let bucket = state.archived.get(id)
  if (!bucket)
    state.archived.set(
      id,
      (bucket = { period, companyId: companyId ?? null, mappingId: null, total: 0, byOutcome: {} })
    )
  return bucket
}

/** A newer day has left memory: the days now beyond DAYS_KEPT are merged into their months. */
const advanceDay = (state: SecurityEventsState, day: string) => {
  if (day <= state.newestDay) return
  state.newestDay = day
  const cutoff = (state.cutoffDay = cutoffOf(day))
  for (const [id, bucket] of state.archived) {
    if (bucket.period.length !== 10 || bucket.period >= cutoff) continue
    state.archived.delete(id)
    const month = bucketOf(state, bucket.period, bucket.companyId ?? undefined)
    if (bucket.mappingId !== null) month.mappingId = bucket.mappingId
    month.total += bucket.total
    for (const outcome of outcomes) {
      const n = bucket.byOutcome[outcome]
      if (n) month.byOutcome[outcome] = (month.byOutcome[outcome] ?? 0) + n
    }
  }
}

const count = (bucket: ArchivedCounts, outcome: SecurityEventOutcome, by: 1 | -1) => {
  bucket.total += by
  bucket.byOutcome[outcome] = (bucket.byOutcome[outcome] ?? 0) + by
}

/** The record leaves memory: its indexes go, its count stays. */
const archive = (state: SecurityEventsState, record: SecurityEventRecord): void => {
  state.byFactId.delete(record.factId)
  for (const ref of record.facts) if (ref.type === 'SecurityEventReplayRequested') state.byFactId.delete(ref.id)
  if (record.ticketId !== undefined && state.byTicket.get(record.ticketId) === record.key)
    state.byTicket.delete(record.ticketId)
  advanceDay(state, record.receivedAt.slice(0, 10))
  const bucket = bucketOf(state, record.receivedAt, record.companyId)
  if (record.mappingId !== undefined) bucket.mappingId = record.mappingId
  count(bucket, record.outcome, 1)
  state.archivedTotal++
  if (BigInt(record.position) > BigInt(state.archivedThrough)) state.archivedThrough = record.position
}

/** After a change to an older record: once settled, it leaves memory. */
const release = (state: SecurityEventsState, record: SecurityEventRecord | undefined): void => {
  if (record && isSettled(record) && state.held.delete(record.key)) archive(state, record)
}

/**
 * The oldest of the newest `recent` events make room: settled ones leave memory, the others are
 * held. In batches of a sixteenth of `recent`: a Map walked from its start skips the entries deleted
 * before, so one eviction per arrival walked ever more of them (docs/benchmarks.md#history-start-up-and-memory).
 */
const makeRoom = (state: SecurityEventsState, recent: number): void => {
  if (state.events.size <= recent + Math.floor(recent / 16)) return
  for (const [key, record] of state.events) {
    if (state.events.size <= recent) return
    state.events.delete(key)
    if (isSettled(record)) archive(state, record)
    else state.held.set(key, record)
  }
}

const received = (state: SecurityEventsState, fact: StoredFact & FactOf<'SecurityEventReceived'>, recent: number) => {
  const d = fact.data
  if (find(state, d.eventKey)) return
  const at = fact.recordedAt.toISOString()
  // Optional fields set one by one: spreading each into the literal cost more than the rest of the fold.
  const record: SecurityEventRecord = {
    key: d.eventKey,
    threatKey: d.threatKey,
    factId: fact.id,
    position: fact.position.toString(),
    module: d.module,
    isTest: d.isTest,
    receivedAt: at,
    outcome: 'pending',
    replays: 0,
    facts: [refOf(fact)],
    updatedAt: at
  }
  if (d.companyId !== undefined) record.companyId = d.companyId
  if (d.endpointName !== undefined) record.endpointName = d.endpointName.slice(0, 200)
  if (d.threatName !== undefined) record.threatName = d.threatName.slice(0, 200)
  if (d.occurredAt !== undefined) record.occurredAt = d.occurredAt
  state.events.set(d.eventKey, record)
  state.byFactId.set(fact.id, d.eventKey)
  makeRoom(state, recent)
}

/** What a replay of an event out of memory records of it, for `readmit` to take it back. */
export const archivedOf = (
  r: SecurityEventRecord
): NonNullable<FactData<'SecurityEventReplayRequested'>['archived']> => {
  const was: NonNullable<FactData<'SecurityEventReplayRequested'>['archived']> = {
    module: r.module.slice(0, 64),
    isTest: r.isTest,
    receivedAt: r.receivedAt,
    replays: r.replays
  }
  if (r.companyId !== undefined) was.companyId = r.companyId.slice(0, 64)
  if (r.mappingId !== undefined) was.mappingId = r.mappingId.slice(0, 64)
  if (r.endpointName !== undefined) was.endpointName = r.endpointName
  if (r.threatName !== undefined) was.threatName = r.threatName
  if (r.occurredAt !== undefined) was.occurredAt = r.occurredAt.slice(0, 40)
  return was
}

/**
 * A replay of an event that had left memory: the fact says what the event was (`archived`, from
 * `archivedOf`), so the record comes back, held until it settles again, and its old outcome is no
 * longer counted.
 */
const readmit = (state: SecurityEventsState, fact: StoredFact & FactOf<'SecurityEventReplayRequested'>) => {
  const d = fact.data
  const was = d.archived
  if (!was) return undefined
  count(bucketOf(state, was.receivedAt, was.companyId), d.previousOutcome, -1)
  state.archivedTotal--
  const { replays, ...fields } = was
  const record: SecurityEventRecord = {
    key: d.eventKey,
    threatKey: d.threatKey,
    factId: d.factId,
    position: d.position,
    ...fields,
    outcome: d.previousOutcome,
    replays,
    facts: [{ id: d.factId, type: 'SecurityEventReceived', position: d.position }],
    updatedAt: was.receivedAt
  }
  state.held.set(d.eventKey, record)
  state.byFactId.set(d.factId, d.eventKey)
  return record
}

const evolveWith =
  (recent: number) =>
  (state: SecurityEventsState, fact: StoredFact & Fact): SecurityEventsState => {
    switch (fact.type) {
      case 'SecurityEventReceived':
        received(state, fact, recent)
        return state
      case 'TicketingSkipped': {
        const record = touch(state, fact.data.securityEventKey, fact)
        if (!record) return state
        settle(record, 'skipped')
        record.reason = fact.data.reason
        if (fact.data.mappingId !== undefined) record.mappingId = fact.data.mappingId
        if (fact.data.companyId !== undefined) record.companyId ??= fact.data.companyId
        release(state, record)
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
        release(state, record)
        return state
      }
      case 'TicketClosed': {
        // The first close of the ticket an event opened settles it: auto-closed when the relay closed it.
        const key = state.byTicket.get(fact.data.ticketId)
        if (key === undefined) return state
        state.byTicket.delete(fact.data.ticketId)
        const record = touch(state, key, fact)
        if (record?.outcome !== 'ticketed') return state
        if (fact.data.by === 'auto-close') record.outcome = 'auto-closed'
        record.ticketClosed = true
        release(state, record)
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
        const record = touch(state, fact.data.eventKey, fact) ?? readmit(state, fact)
        if (!record) return state
        if (record.facts.at(-1)?.id !== fact.id) record.facts.push(refOf(fact))
        settle(record, 'pending')
        record.replays++
        record.updatedAt = fact.recordedAt.toISOString()
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
const VERSION = 2

const initialState = (): SecurityEventsState => ({
  events: new Map(),
  held: new Map(),
  byFactId: new Map(),
  byTicket: new Map(),
  archived: new Map(),
  newestDay: '',
  cutoffDay: '',
  archivedTotal: 0,
  archivedThrough: '0'
})

/** The read model keeping records for the newest `recent` events (tests use a small number). */
export const createSecurityEventsProjection = (recent = RECENT_EVENTS): Projection<SecurityEventsState> => ({
  name: 'securityEvents',
  // The number of records kept is part of what the state is: another number, another snapshot version.
  version: recent === RECENT_EVENTS ? VERSION : VERSION * 1_000_000 + recent,
  initialState,
  evolve: evolveWith(recent),
  bodiesFor: types,
  // The event as GravityZone sent it: most of the fact, and the detail route reads it from the store.
  unread: { SecurityEventReceived: ['event'] }
})

export const securityEventsProjection = createSecurityEventsProjection()

/**
 * An event that has left memory, read back from the store: its SecurityEventReceived fact and the
 * facts of its threat's ticket stream, folded as the read model folds them (the facts about other
 * events of the threat touch nothing). What a FactParked said is not in that stream; an event
 * whose outcome came from one is never out of memory (it stays held until it settles).
 */
export const recordFromFacts = (
  arrival: StoredFact & Fact,
  ticketStream: readonly (StoredFact & Fact)[]
): SecurityEventRecord | undefined => {
  const state = initialState()
  const evolve = evolveWith(Number.MAX_SAFE_INTEGER)
  evolve(state, arrival)
  for (const fact of ticketStream) if (fact.position > arrival.position) evolve(state, fact)
  return state.events.get((arrival.data as FactData<'SecurityEventReceived'>).eventKey)
}

/** Skipped and failed events may be handed to ticketing again; nothing else. */
export const isReplayable = (record: SecurityEventRecord): boolean =>
  record.outcome === 'skipped' || record.outcome === 'failed'
