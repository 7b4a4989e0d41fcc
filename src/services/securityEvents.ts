import { setImmediate as nextTurn } from 'node:timers/promises'
import type { EventStore, StoredFact } from '../store/port.js'
import { DomainError } from '../domain/errors.js'
import type { Cause } from '../domain/metadata.js'
import { streams } from '../domain/streams.js'
import type { TicketCommand, TicketState } from '../domain/ticket.js'
import { asFact, type FactData } from '../domain/facts.js'
import {
  archivedOf,
  isReplayable,
  outcomes,
  recordFromFacts,
  securityEventsProjection,
  type SecurityEventOutcome,
  type SecurityEventRecord
} from '../../projections/securityEvents.js'
import { integrationEventsProjection } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'

/**
 * What became of each security event (docs/security-events.md): queries over the read model, and
 * replays of skipped or failed events. A replay is a SecurityEventReplayRequested fact in the
 * event's ticket stream, decided by the ticket decider (which refuses an event that has a ticket
 * or a note); the ticketing processor then handles the event again.
 */

export type SecurityEventFilter = {
  outcome?: SecurityEventOutcome
  company?: string
  mapping?: string
  module?: string
  /** Received at or after / at or before (milliseconds since the epoch). */
  since?: number
  until?: number
}

/** Most events one bulk replay request hands over; the answer's nextCursor continues. */
export const REPLAY_CAP = 500
const SAMPLE = 10
/**
 * Older events are read back from the store: one request looks at no more than this many of them
 * (their arrival facts) and says where it stopped (nextCursor), however rare the matches are.
 */
export const SCAN_BUDGET = 5_000
/** A detail asked for by key alone, for an event no longer in memory: how far back it is looked for. */
export const KEY_SEARCH_BUDGET = 20_000
const PAGE = 500
/** Facts of one threat's ticket stream read back, newest first, for its events out of memory. */
const TICKET_STREAM_BUDGET = 20_000

const encodeCursor = (position: string | bigint): string => Buffer.from(`s:${position}`).toString('base64url')
const decodeCursor = (cursor: string): bigint => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^s:\d{1,20}$/.test(text)) throw new DomainError('invalid_cursor', 'the cursor is not one this API issued')
  return BigInt(text.slice(2))
}

type Matchable = Pick<SecurityEventRecord, 'companyId' | 'module' | 'receivedAt'> &
  Partial<Pick<SecurityEventRecord, 'outcome' | 'mappingId'>>

const matches =
  (filter: SecurityEventFilter) =>
  (r: Matchable): boolean => {
    if (filter.outcome !== undefined && r.outcome !== filter.outcome) return false
    if (filter.company !== undefined && r.companyId !== filter.company) return false
    if (filter.mapping !== undefined && r.mappingId !== filter.mapping) return false
    if (filter.module !== undefined && r.module !== filter.module) return false
    const at = Date.parse(r.receivedAt)
    if (filter.since !== undefined && at < filter.since) return false
    if (filter.until !== undefined && at > filter.until) return false
    return true
  }

/** What the arrival fact alone can rule out, before the event's ticket stream is read. */
const arrivalMatches = ({ outcome: _o, mapping: _m, ...filter }: SecurityEventFilter) => {
  const keep = matches(filter)
  return (fact: StoredFact): boolean => {
    const d = fact.data as FactData<'SecurityEventReceived'>
    return keep({
      module: d.module,
      receivedAt: fact.recordedAt.toISOString(),
      ...(d.companyId !== undefined ? { companyId: d.companyId } : {})
    })
  }
}

/** How a newest-first walk ended: `stoppedAt` is where the next request goes on (null: nothing older). */
type Walk = { stoppedAt: bigint | null }

export const createSecurityEventsService = (deps: {
  store: EventStore
  runner: ProjectionRunner
  ticket: CommandHandler<TicketCommand, TicketState>
}) => {
  const state = () => deps.runner.state(securityEventsProjection)
  const inMemory = (key: string) => state().events.get(key) ?? state().held.get(key)

  /**
   * The facts of a threat's ticket stream after `position`, newest first, read backwards from the
   * stream's end a page at a time (at most TICKET_STREAM_BUDGET): what is written about an event
   * comes after its arrival, however long the threat's stream. Kept per walk, per threat.
   */
  type Tail = { facts: StoredFact[]; done: boolean }
  const ticketFactsAfter = async (threatKey: string, position: bigint, tails: Map<string, Tail>) => {
    let tail = tails.get(threatKey)
    if (!tail) tails.set(threatKey, (tail = { facts: [], done: false }))
    while (!tail.done && (tail.facts.length === 0 || tail.facts.at(-1)!.position > position)) {
      const last = tail.facts.at(-1)
      const page = await deps.store.readStream(streams.ticket(threatKey), {
        direction: 'backwards',
        ...(last ? { fromRevision: last.revision - 1n } : {}),
        maxCount: PAGE
      })
      tail.facts.push(...page)
      // Done at the stream's first fact, or at the budget.
      tail.done = page.length < PAGE || page.at(-1)!.revision === 0n || tail.facts.length >= TICKET_STREAM_BUDGET
    }
    return tail.facts.filter((f) => f.position > position).reverse()
  }

  /** An event no longer in memory, from its arrival fact and its threat's ticket stream. */
  const fromStore = async (arrival: StoredFact, tails: Map<string, Tail> = new Map()) => {
    const threatKey = (arrival.data as FactData<'SecurityEventReceived'>).threatKey
    const after = await ticketFactsAfter(threatKey, arrival.position, tails)
    return recordFromFacts(asFact(arrival), after.map(asFact))
  }

  /**
   * The SecurityEventReceived facts strictly before `from` (undefined: the newest), newest first,
   * at most `budget` of them, read in pages that grow (a page of the list needs a few arrivals, a
   * rare match many), a turn of the event loop between pages. `stoppedAt()`: where a next read
   * would go on, or null when the store has nothing older.
   */
  const arrivalsBefore = (from: bigint | undefined, budget: number) => {
    let next = from
    let exhausted = false
    const arrivals = (async function* () {
      let scanned = 0
      let pageSize = 64
      while (scanned < budget) {
        const page = await deps.store.readAll({
          direction: 'backwards',
          ...(next !== undefined ? { fromPosition: next } : {}),
          maxCount: Math.min(pageSize, budget - scanned),
          filter: { types: ['SecurityEventReceived'] }
        })
        if (page.length === 0) {
          exhausted = true
          return
        }
        for (const arrival of page) {
          scanned++
          next = arrival.position
          yield arrival
        }
        pageSize = Math.min(PAGE, pageSize * 2)
        await nextTurn()
      }
    })()
    return Object.assign(arrivals, { stoppedAt: (): bigint | null => (exhausted ? null : (next ?? null)) })
  }

  /**
   * Newest first, strictly before `before`, matching `filter`: the records in memory for the newest
   * events, then older events read back from the store (held ones from memory), at most
   * SCAN_BUDGET arrivals a walk. `visit` returns false to stop.
   */
  const walk = async (
    filter: SecurityEventFilter,
    before: bigint | undefined,
    visit: (r: SecurityEventRecord) => boolean
  ): Promise<Walk> => {
    const keep = matches(filter)
    const { events, held } = state()
    const recent = [...events.values()]
    for (let i = recent.length - 1; i >= 0; i--) {
      const r = recent[i]!
      if (before !== undefined && BigInt(r.position) >= before) continue
      if (keep(r) && !visit(r)) return { stoppedAt: BigInt(r.position) }
    }
    // Older than every record kept for the newest events: the store has them.
    const oldest = recent.length > 0 ? BigInt(recent[0]!.position) : undefined
    const from = before !== undefined && (oldest === undefined || before < oldest) ? before : oldest
    if (state().archivedTotal === 0 && held.size === 0) return { stoppedAt: null }
    const early = arrivalMatches(filter)
    const tails = new Map<string, Tail>()
    const arrivals = arrivalsBefore(from, SCAN_BUDGET)
    for await (const arrival of arrivals) {
      if (filter.since !== undefined && arrival.recordedAt.getTime() < filter.since) return { stoppedAt: null }
      const key = (arrival.data as FactData<'SecurityEventReceived'>).eventKey
      if (events.has(key)) continue
      const heldRecord = held.get(key)
      if (heldRecord && heldRecord.factId !== arrival.id) continue
      if (!heldRecord && !early(arrival)) continue
      const r = heldRecord ?? (await fromStore(arrival, tails))
      if (r && keep(r) && !visit(r)) return { stoppedAt: arrival.position }
    }
    return { stoppedAt: arrivals.stoppedAt() }
  }

  /** The integration event that covers a failure (it lists the failure's fact), if any. */
  const coveringEvent = (factId: string): string | undefined => {
    for (const event of deps.runner.state(integrationEventsProjection).events.values())
      if (event.facts.some((f) => f.id === factId)) return event.id
    return undefined
  }

  const view = (r: SecurityEventRecord, detail = false) => {
    const mapping =
      r.mappingId !== undefined ? deps.runner.state(mappingsProjection).mappings.get(r.mappingId) : undefined
    const { facts: _facts, failure, ticketClosed: _closed, ...rest } = r
    const integrationEventId = failure && detail ? coveringEvent(failure.factId) : undefined
    return {
      ...rest,
      ...(mapping?.gravityzoneCompanyName !== undefined ? { companyName: mapping.gravityzoneCompanyName } : {}),
      ...(failure
        ? { failure: { ...failure, ...(integrationEventId !== undefined ? { integrationEventId } : {}) } }
        : {}),
      replayable: isReplayable(r)
    }
  }

  const notFound = (key: string) => new DomainError('security_event_not_found', `no security event has the key ${key}`)

  /**
   * One event by key: in memory, or read back from the store — at `position` when the caller knows
   * it (every record shows it), else looked for among the newest KEY_SEARCH_BUDGET arrivals.
   */
  const find = async (key: string, position?: bigint): Promise<SecurityEventRecord> => {
    const record = inMemory(key)
    if (record) return record
    if (position !== undefined) {
      const [arrival] = await deps.store.readAll({ fromPosition: position, maxCount: 1 })
      const found =
        arrival?.position === position &&
        arrival.type === 'SecurityEventReceived' &&
        (arrival.data as FactData<'SecurityEventReceived'>).eventKey === key
          ? await fromStore(arrival)
          : undefined
      if (found) return found
      throw notFound(key)
    }
    for await (const arrival of arrivalsBefore(BigInt(state().archivedThrough) + 1n, KEY_SEARCH_BUDGET))
      if ((arrival.data as FactData<'SecurityEventReceived'>).eventKey === key) {
        const found = await fromStore(arrival)
        if (found) return found
      }
    throw new DomainError(
      'security_event_not_found',
      `no security event has the key ${key} among the newest ${KEY_SEARCH_BUDGET} older events; ` +
        'give its position (?position=, as the list shows it) to read an older one',
      { key }
    )
  }

  const replay = async (record: SecurityEventRecord, cause: Cause, reason?: string) => {
    if (!isReplayable(record))
      throw new DomainError(
        'not_replayable',
        `the security event is ${record.outcome}; only skipped or failed events are replayed`,
        {
          outcome: record.outcome
        }
      )
    const archived = inMemory(record.key) ? undefined : archivedOf(record)
    const result = await deps.ticket.handle(
      streams.ticket(record.threatKey),
      {
        type: 'RequestReplay',
        data: {
          eventKey: record.key,
          threatKey: record.threatKey,
          factId: record.factId,
          position: record.position,
          actor: cause.actor.slice(0, 120),
          previousOutcome: record.outcome as 'skipped' | 'failed',
          ...(reason !== undefined ? { reason } : {}),
          ...(archived ? { archived } : {})
        }
      },
      cause
    )
    return { eventKey: record.key, position: (result.position ?? 0n).toString() }
  }

  return {
    async list(filter: SecurityEventFilter, limit: number, cursor?: string) {
      const before = cursor !== undefined ? decodeCursor(cursor) : undefined
      const items: SecurityEventRecord[] = []
      let more = false
      const { stoppedAt } = await walk(filter, before, (r) => {
        if (items.length === limit) {
          more = true
          return false
        }
        items.push(r)
        return true
      })
      // A full page continues after its last item; a walk that used up its budget, where it stopped.
      const next = more ? items.at(-1)!.position : stoppedAt
      return { items: items.map((r) => view(r)), nextCursor: next !== null ? encodeCursor(next) : null }
    },

    /** The event as received, its outcome, and the facts behind it (read back from the store). */
    async get(key: string, position?: bigint) {
      const record = await find(key, position)
      const facts: StoredFact[] = []
      for (const ref of record.facts) {
        const [fact] = await deps.store.readAll({ fromPosition: BigInt(ref.position), maxCount: 1 })
        if (fact?.id === ref.id) facts.push(fact)
      }
      const received = facts.find((f) => f.id === record.factId)
      return { ...view(record, true), event: (received?.data as { event?: unknown } | undefined)?.event, facts }
    },

    /**
     * Counts per outcome and customer: exact for the events in memory; for older ones, by the day
     * they were received (UTC), or the month beyond DAYS_KEPT days: a period that ends after
     * `since` is counted whole.
     */
    summary(since?: number) {
      const byOutcome = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<SecurityEventOutcome, number>
      const customers = new Map<
        string,
        { companyId: string | null; mappingId: string | null; total: number; byOutcome: Record<string, number> }
      >()
      let total = 0
      const customer = (companyId: string | null) => {
        const id = companyId ?? ''
        let c = customers.get(id)
        if (!c) customers.set(id, (c = { companyId, mappingId: null, total: 0, byOutcome: {} }))
        return c
      }
      const add = (c: ReturnType<typeof customer>, outcome: SecurityEventOutcome, n: number) => {
        total += n
        byOutcome[outcome] += n
        c.total += n
        c.byOutcome[outcome] = (c.byOutcome[outcome] ?? 0) + n
      }
      const { events, held, archived } = state()
      const sinceDay = since !== undefined ? new Date(since).toISOString().slice(0, 10) : undefined
      for (const bucket of archived.values()) {
        if (bucket.total === 0 || (sinceDay !== undefined && bucket.period < sinceDay.slice(0, bucket.period.length)))
          continue
        const c = customer(bucket.companyId)
        if (bucket.mappingId !== null) c.mappingId = bucket.mappingId
        for (const outcome of outcomes) if (bucket.byOutcome[outcome]) add(c, outcome, bucket.byOutcome[outcome])
      }
      for (const records of [held, events])
        for (const r of records.values()) {
          if (since !== undefined && Date.parse(r.receivedAt) < since) continue
          const c = customer(r.companyId ?? null)
          if (r.mappingId !== undefined) c.mappingId = r.mappingId
          add(c, r.outcome, 1)
        }
      const mappings = deps.runner.state(mappingsProjection)
      const byCustomer = [...customers.values()]
        .map((c) => {
          const mappingId = c.companyId !== null ? (mappings.byCompany.get(c.companyId) ?? c.mappingId) : c.mappingId
          const name = mappingId !== null ? mappings.mappings.get(mappingId)?.gravityzoneCompanyName : undefined
          return { ...c, mappingId, ...(name !== undefined ? { name } : {}) }
        })
        .sort((a, b) => b.total - a.total)
      return { total, byOutcome, byCustomer }
    },

    replayOne: async (key: string, cause: Cause, reason?: string, position?: bigint) =>
      replay(await find(key, position), cause, reason),

    /**
     * Skipped and failed events that match, newest first: counted, and handed over (at most
     * `limit`, capped at REPLAY_CAP) unless it is a dry run. The count covers every match in memory
     * and those among the older events one walk reads back (SCAN_BUDGET); `complete` says whether
     * that was all of them. An event refused meanwhile (it got a ticket) is counted as refused,
     * never ticketed twice.
     */
    async replayMany(
      filter: SecurityEventFilter,
      options: { dryRun: boolean; limit: number; cursor?: string; cause: Cause }
    ) {
      const before = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined
      const limit = Math.min(options.limit, REPLAY_CAP)
      const chosen: SecurityEventRecord[] = []
      let matched = 0
      const { stoppedAt } = await walk(filter, before, (r) => {
        if (!isReplayable(r)) return true
        matched++
        if (chosen.length < limit) chosen.push(r)
        return true
      })
      const sample = chosen.slice(0, SAMPLE).map((r) => view(r))
      const next = matched > chosen.length ? chosen.at(-1)!.position : stoppedAt
      const nextCursor = next !== null ? encodeCursor(next) : null
      const complete = stoppedAt === null
      if (options.dryRun)
        return { dryRun: true, matched, complete, cap: limit, replayed: 0, refused: 0, sample, nextCursor }
      let replayed = 0
      let refused = 0
      for (const r of chosen) {
        try {
          await replay(r, options.cause)
          replayed++
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'not_replayable')) throw error
          refused++
        }
      }
      return { dryRun: false, matched, complete, cap: limit, replayed, refused, sample, nextCursor }
    }
  }
}

export type SecurityEventsService = ReturnType<typeof createSecurityEventsService>
