import type { Decider } from './decider.js'
import { DomainError } from './errors.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'
import { supportsAction, type EventAction, type EventTypeId } from './integrationEvents.js'

/**
 * Actions on one integration event, decided on the event's own stream so that two concurrent
 * actions cannot both win: the loser's append fails its expected revision, the retry sees the
 * winner's fact and is refused with 409 (docs/integration-events.md#concurrent-actions).
 */

/** What the integration-event projection knows about the event when the action arrives. */
export type EventView = {
  id: string
  type: EventTypeId
  status: 'active' | 'closed'
  /** Recorded on the action, so the audit finds it by mapping. */ mappingId?: string
}

export type ActionsState = { acknowledged: boolean; pendingRecheck?: { factId: string; at: number } }

export type ActionCommand =
  | { type: 'Acknowledge'; data: { event: EventView } }
  | { type: 'RequestRecheck'; data: { event: EventView; now: Date } }
  | { type: 'CompleteRecheck'; data: FactData<'RecheckCompleted'> }

/** A recheck that never completed (the process died mid-way) stops blocking new ones after this. */
export const RECHECK_STALE_AFTER_MS = 60_000

const initialActions = (): ActionsState => ({ acknowledged: false })

const evolveActions = (state: ActionsState, fact: Fact): ActionsState => {
  switch (fact.type) {
    case 'EventAcknowledged':
      return { ...state, acknowledged: true }
    case 'RecheckRequested':
      return { ...state, pendingRecheck: { factId: fact.id, at: fact.recordedAt.getTime() } }
    case 'RecheckCompleted': {
      const { pendingRecheck: _, ...rest } = state
      return rest
    }
    default:
      return state
  }
}

/** The checks every action shares: the event exists, is active, and supports the action. */
export const ensureActionAllowed = (event: EventView, action: EventAction): void => {
  if (!supportsAction(event.type, action)) {
    throw new DomainError('action_not_supported', `${event.type} events do not support ${action}`, {
      eventId: event.id,
      action
    })
  }
  if (event.status !== 'active')
    throw new DomainError('event_closed', `event ${event.id} is closed`, { eventId: event.id })
}

const decideActions = (command: ActionCommand, state: ActionsState): DomainFact[] => {
  switch (command.type) {
    case 'Acknowledge': {
      const { event } = command.data
      ensureActionAllowed(event, 'acknowledge')
      if (state.acknowledged)
        throw new DomainError('event_closed', `event ${event.id} is already acknowledged`, { eventId: event.id })
      return [
        domainFact('EventAcknowledged', {
          eventId: event.id,
          eventType: event.type,
          ...(event.mappingId !== undefined ? { mappingId: event.mappingId } : {})
        })
      ]
    }
    case 'RequestRecheck': {
      const { event, now } = command.data
      ensureActionAllowed(event, 'recheck')
      if (state.pendingRecheck && now.getTime() - state.pendingRecheck.at < RECHECK_STALE_AFTER_MS) {
        throw new DomainError('recheck_in_progress', `a recheck of event ${event.id} is already running`, {
          eventId: event.id
        })
      }
      return [
        domainFact('RecheckRequested', {
          eventId: event.id,
          eventType: event.type,
          ...(event.mappingId !== undefined ? { mappingId: event.mappingId } : {})
        })
      ]
    }
    case 'CompleteRecheck':
      return [domainFact('RecheckCompleted', command.data)]
  }
}

export const eventActions: Decider<ActionCommand, ActionsState> = {
  initialState: initialActions,
  evolve: evolveActions,
  decide: decideActions
}
