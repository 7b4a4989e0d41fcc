import type { EventStore, StoredFact } from '../store/port.js'
import { DomainError } from '../domain/errors.js'
import type { Cause } from '../domain/metadata.js'
import { streams } from '../domain/streams.js'
import type { TicketCommand, TicketState } from '../domain/ticket.js'
import {
  isReplayable,
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

const encodeCursor = (position: string): string => Buffer.from(`s:${position}`).toString('base64url')
const decodeCursor = (cursor: string): bigint => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^s:\d{1,20}$/.test(text)) throw new DomainError('invalid_cursor', 'the cursor is not one this API issued')
  return BigInt(text.slice(2))
}

const matches = (filter: SecurityEventFilter) => (r: SecurityEventRecord) => {
  if (filter.outcome !== undefined && r.outcome !== filter.outcome) return false
  if (filter.company !== undefined && r.companyId !== filter.company) return false
  if (filter.mapping !== undefined && r.mappingId !== filter.mapping) return false
  if (filter.module !== undefined && r.module !== filter.module) return false
  const at = Date.parse(r.receivedAt)
  if (filter.since !== undefined && at < filter.since) return false
  if (filter.until !== undefined && at > filter.until) return false
  return true
}

/** Newest first, strictly before `before` (a position), matching `filter`. */
function* newestFirst(
  events: Map<string, SecurityEventRecord>,
  filter: SecurityEventFilter,
  before: bigint | undefined
): Generator<SecurityEventRecord> {
  const keep = matches(filter)
  const all = [...events.values()]
  for (let i = all.length - 1; i >= 0; i--) {
    const r = all[i]!
    if (before !== undefined && BigInt(r.position) >= before) continue
    if (keep(r)) yield r
  }
}

export const createSecurityEventsService = (deps: {
  store: EventStore
  runner: ProjectionRunner
  ticket: CommandHandler<TicketCommand, TicketState>
}) => {
  const state = () => deps.runner.state(securityEventsProjection)

  /** The integration event that covers a failure (it lists the failure's fact), if any. */
  const coveringEvent = (factId: string): string | undefined => {
    for (const event of deps.runner.state(integrationEventsProjection).events.values())
      if (event.facts.some((f) => f.id === factId)) return event.id
    return undefined
  }

  const view = (r: SecurityEventRecord, detail = false) => {
    const mapping =
      r.mappingId !== undefined ? deps.runner.state(mappingsProjection).mappings.get(r.mappingId) : undefined
    const { facts: _facts, failure, ...rest } = r
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

  const find = (key: string): SecurityEventRecord => {
    const record = state().events.get(key)
    if (!record) throw new DomainError('security_event_not_found', `no security event has the key ${key}`)
    return record
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
          ...(reason !== undefined ? { reason } : {})
        }
      },
      cause
    )
    return { eventKey: record.key, position: (result.position ?? 0n).toString() }
  }

  return {
    list(filter: SecurityEventFilter, limit: number, cursor?: string) {
      const before = cursor !== undefined ? decodeCursor(cursor) : undefined
      const items: SecurityEventRecord[] = []
      let more = false
      for (const r of newestFirst(state().events, filter, before)) {
        if (items.length === limit) {
          more = true
          break
        }
        items.push(r)
      }
      return { items: items.map((r) => view(r)), nextCursor: more ? encodeCursor(items.at(-1)!.position) : null }
    },

    /** The event as received, its outcome, and the facts behind it (read back from the store). */
    async get(key: string) {
      const record = find(key)
      const facts: StoredFact[] = []
      for (const ref of record.facts) {
        const [fact] = await deps.store.readAll({ fromPosition: BigInt(ref.position), maxCount: 1 })
        if (fact?.id === ref.id) facts.push(fact)
      }
      const received = facts.find((f) => f.id === record.factId)
      return { ...view(record, true), event: (received?.data as { event?: unknown } | undefined)?.event, facts }
    },

    summary(since?: number) {
      const byOutcome = Object.fromEntries(
        (['ticketed', 'noted', 'auto-closed', 'skipped', 'pending', 'failed'] as const).map((o) => [o, 0])
      ) as Record<SecurityEventOutcome, number>
      const customers = new Map<
        string,
        { companyId: string | null; mappingId: string | null; total: number; byOutcome: Record<string, number> }
      >()
      let total = 0
      for (const r of state().events.values()) {
        if (since !== undefined && Date.parse(r.receivedAt) < since) continue
        total++
        byOutcome[r.outcome]++
        const id = r.companyId ?? ''
        let c = customers.get(id)
        if (!c) customers.set(id, (c = { companyId: r.companyId ?? null, mappingId: null, total: 0, byOutcome: {} }))
        if (r.mappingId !== undefined) c.mappingId = r.mappingId
        c.total++
        c.byOutcome[r.outcome] = (c.byOutcome[r.outcome] ?? 0) + 1
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

    replayOne: (key: string, cause: Cause, reason?: string) => replay(find(key), cause, reason),

    /**
     * Skipped and failed events that match, newest first: counted (all of them), and handed over
     * (at most `limit`, capped at REPLAY_CAP) unless it is a dry run. An event refused meanwhile
     * (it got a ticket) is counted as refused, never ticketed twice.
     */
    async replayMany(
      filter: SecurityEventFilter,
      options: { dryRun: boolean; limit: number; cursor?: string; cause: Cause }
    ) {
      const before = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined
      const limit = Math.min(options.limit, REPLAY_CAP)
      const chosen: SecurityEventRecord[] = []
      let matched = 0
      for (const r of newestFirst(state().events, filter, before)) {
        if (!isReplayable(r)) continue
        matched++
        if (chosen.length < limit) chosen.push(r)
      }
      const sample = chosen.slice(0, SAMPLE).map((r) => view(r))
      const nextCursor = matched > chosen.length ? encodeCursor(chosen.at(-1)!.position) : null
      if (options.dryRun) return { dryRun: true, matched, cap: limit, replayed: 0, refused: 0, sample, nextCursor }
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
      return { dryRun: false, matched, cap: limit, replayed, refused, sample, nextCursor }
    }
  }
}

export type SecurityEventsService = ReturnType<typeof createSecurityEventsService>
