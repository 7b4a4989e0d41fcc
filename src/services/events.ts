import type { EventStore, StoredFact } from '../store/port.js'
import type { Cause } from '../domain/metadata.js'
import { DomainError, isDomainError } from '../domain/errors.js'
import {
  ensureActionAllowed,
  type ActionCommand,
  type ActionsState,
  type EventView as ActionTarget
} from '../domain/eventActions.js'
import type { RegistryCommand, RegistryState } from '../domain/mappingRegistry.js'
import { streams } from '../domain/streams.js'
import { eventCatalogue, type EventCategory, type EventTypeId } from '../domain/integrationEvents.js'
import {
  integrationEventsProjection,
  restoreArchived,
  type ArchivedEvent,
  type Counts,
  type IntegrationEvent
} from '../../projections/integrationEvents.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import { auditFact, eventView, type EventView } from './views.js'

/**
 * Integration events: what the projection derived, and the three actions plus "recheck events".
 * Every action answers with the event as it is after the facts it appended (read-your-writes).
 * Closed events the projection has archived are shown from their facts, read back from the store.
 */

type RecheckOutcome = { outcome: 'closed' | 'still-active' | 'failed'; message?: string }

/** Runs the check behind one event; facts it appends carry `cause` (causation = the RecheckRequested fact). */
export type RecheckExecutor = (
  event: IntegrationEvent,
  cause: Cause
) => Promise<{ message?: string; position?: bigint | null } | void>

type EventFilter = {
  status?: 'active' | 'closed' | 'all'
  category?: EventCategory
  type?: EventTypeId
  mappingId?: string
  limit?: number
  /** Opaque: the raising position of the last event of the previous page. */
  cursor?: string
}

const encodeCursor = (position: bigint): string => Buffer.from(`p:${position}`).toString('base64url')
const decodeCursor = (cursor: string): bigint => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^p:\d+$/.test(text)) throw new DomainError('invalid_cursor', 'the cursor is not one this API issued')
  return BigInt(text.slice(2))
}

type Listed = IntegrationEvent | ArchivedEvent
const isArchived = (event: Listed): event is ArchivedEvent => 'positions' in event
const raisingPosition = (event: Listed): bigint => (isArchived(event) ? event.positions[0]! : event.facts[0]!.position)
const statusOf = (event: Listed) => (isArchived(event) ? 'closed' : event.status)
const categoryOf = (event: Listed) => (isArchived(event) ? eventCatalogue[event.type].category : event.category)

/** What an action needs to know about the event it acts on. */
const viewOf = (event: IntegrationEvent): ActionTarget => ({
  id: event.id,
  type: event.type,
  status: event.status,
  ...(event.subject.mappingId !== undefined ? { mappingId: event.subject.mappingId } : {})
})

export const createEventsService = (deps: {
  store: EventStore
  runner: ProjectionRunner
  actions: CommandHandler<ActionCommand, ActionsState>
  registry: CommandHandler<RegistryCommand, RegistryState>
  recheck?: RecheckExecutor
  now?: () => Date
}) => {
  const now = deps.now ?? (() => new Date())
  const state = () => deps.runner.state(integrationEventsProjection)

  const notFound = (id: string) =>
    new DomainError('event_not_found', `no integration event has id ${id}`, { eventId: id })

  /** The facts at these positions, read from the store (an archived event's, an event's audit trail). */
  const factsAt = async (positions: readonly bigint[]): Promise<Map<bigint, StoredFact>> => {
    const read = await Promise.all(
      positions.map(async (p) => (await deps.store.readAll({ fromPosition: p, maxCount: 1 }))[0])
    )
    return new Map(read.filter((f): f is StoredFact => f !== undefined).map((f) => [f.position, f]))
  }

  /** An archived event as a whole one, from the facts given or else from its first and closing facts. */
  const restore = async (archived: ArchivedEvent, facts?: Map<bigint, StoredFact>): Promise<IntegrationEvent> => {
    const read = facts ?? (await factsAt([archived.positions[0]!, archived.closedBy.position]))
    const event = restoreArchived(archived, (p) => read.get(p))
    if (!event) throw new Error(`the facts of integration event ${archived.id} are missing from the store`)
    return event
  }

  const find = async (id: string): Promise<IntegrationEvent> => {
    const event = state().events.get(id)
    if (event) return event
    const archived = state().archived.get(id)
    if (!archived) throw notFound(id)
    return restore(archived)
  }

  const settle = async (position: bigint | null | undefined) => {
    if (position !== null && position !== undefined) await deps.runner.waitForPosition(position)
  }

  const current = async (id: string): Promise<EventView> => eventView(await find(id))

  const recheckOne = async (id: string, cause: Cause): Promise<RecheckOutcome & { event: EventView }> => {
    const event = await find(id)
    const requested = await deps.actions.handle(
      streams.integrationEvent(id),
      { type: 'RequestRecheck', data: { event: viewOf(event), now: now() } },
      cause
    )
    await settle(requested.position)
    const requestFact = requested.facts[0]!
    const checkCause: Cause = { actor: cause.actor, correlationId: cause.correlationId, causationId: requestFact.id }
    let outcome: RecheckOutcome
    try {
      if (!deps.recheck) throw new Error('rechecks need the platform connections, which are not configured')
      const result = await deps.recheck(await find(id), checkCause)
      await settle(result?.position)
      const after = await find(id)
      outcome =
        after.status === 'closed'
          ? { outcome: 'closed' }
          : { outcome: 'still-active', ...(result?.message ? { message: result.message } : {}) }
    } catch (error) {
      outcome = { outcome: 'failed', message: (error as Error).message }
    }
    const completed = await deps.actions.handle(
      streams.integrationEvent(id),
      {
        type: 'CompleteRecheck',
        data: {
          eventId: id,
          eventType: event.type,
          ...(event.subject.mappingId !== undefined ? { mappingId: event.subject.mappingId } : {}),
          ...outcome
        }
      },
      checkCause
    )
    await settle(completed.position)
    return { ...outcome, event: await current(id) }
  }

  return {
    async list(filter: EventFilter = {}): Promise<{ items: EventView[]; nextCursor: string | null }> {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500)
      const before = filter.cursor !== undefined ? decodeCursor(filter.cursor) : undefined
      const status = filter.status ?? 'active'
      const { events, archived } = state()
      const candidates: Listed[] =
        status === 'active' ? [...events.values()] : [...events.values(), ...archived.values()]
      const matches = candidates
        .filter(
          (e) =>
            (status === 'all' || statusOf(e) === status) &&
            (filter.category === undefined || categoryOf(e) === filter.category) &&
            (filter.type === undefined || e.type === filter.type) &&
            (filter.mappingId === undefined || e.subject.mappingId === filter.mappingId) &&
            (before === undefined || raisingPosition(e) < before)
        )
        .sort((a, b) => (raisingPosition(b) > raisingPosition(a) ? 1 : -1))
      const page = matches.slice(0, limit)
      const last = page.at(-1)
      return {
        items: await Promise.all(page.map(async (e) => eventView(isArchived(e) ? await restore(e) : e))),
        nextCursor: matches.length > limit && last ? encodeCursor(raisingPosition(last)) : null
      }
    },

    count(): Counts {
      const c = state().counts
      return { active: c.active, byCategory: { ...c.byCategory }, byType: { ...c.byType } }
    },

    async get(id: string): Promise<EventView> {
      const whole = state().events.get(id)
      const archived = whole ? undefined : state().archived.get(id)
      if (!whole && !archived) throw notFound(id)
      const positions = whole ? whole.facts.map((f) => f.position) : archived!.positions
      const facts = await factsAt(positions)
      const event = whole ?? (await restore(archived!, facts))
      return eventView(
        event,
        positions.flatMap((p) => {
          const f = facts.get(p)
          return f ? [auditFact(f)] : []
        })
      )
    },

    async acknowledge(id: string, cause: Cause): Promise<EventView> {
      const event = await find(id)
      const result = await deps.actions.handle(
        streams.integrationEvent(id),
        { type: 'Acknowledge', data: { event: viewOf(event) } },
        cause
      )
      await settle(result.position)
      return await current(id)
    },

    async resolve(id: string, cause: Cause): Promise<EventView> {
      const event = await find(id)
      ensureActionAllowed(viewOf(event), 'resolve')
      const mappingId = event.subject.mappingId!
      try {
        const result = await deps.registry.handle(
          streams.mappingRegistry(),
          { type: 'DeleteMapping', data: { mappingId, reason: 'resolved', eventId: id } },
          cause
        )
        await settle(result.position)
      } catch (error) {
        // The mapping went away between the check and the append: the event closed with it.
        if (isDomainError(error) && error.code === 'mapping_not_found')
          throw new DomainError('event_closed', `event ${id} is closed`, { eventId: id })
        throw error
      }
      return await current(id)
    },

    async recheck(id: string, cause: Cause): Promise<EventView> {
      return (await recheckOne(id, cause)).event
    },

    /** "Recheck events": every active event that supports recheck, one after another. */
    async recheckAll(cause: Cause): Promise<{
      results: { eventId: string; type: EventTypeId; outcome: RecheckOutcome['outcome']; message?: string }[]
    }> {
      const targets = [...state().events.values()].filter((e) => e.status === 'active' && e.actions.includes('recheck'))
      const results = []
      for (const event of targets) {
        try {
          const { outcome, message } = await recheckOne(event.id, cause)
          results.push({ eventId: event.id, type: event.type, outcome, ...(message ? { message } : {}) })
        } catch (error) {
          results.push({
            eventId: event.id,
            type: event.type,
            outcome: 'failed' as const,
            message: (error as Error).message
          })
        }
      }
      return { results }
    }
  }
}
