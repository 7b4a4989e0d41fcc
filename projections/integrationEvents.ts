import type { Fact } from '../src/domain/facts.js'
import { evolveHealth, initialHealth, type HealthState } from '../src/domain/mappingHealth.js'
import { evolveBillingConfig, initialBillingConfig, type BillingConfigState } from '../src/domain/billingConfig.js'
import {
  eventCatalogue,
  eventTypeIds,
  type EventAction,
  type EventCategory,
  type EventSubject,
  type EventTypeId
} from '../src/domain/integrationEvents.js'
import { evolveRegistry, initialRegistry, type Mapping, type RegistryState } from '../src/domain/mappingRegistry.js'
import type { StoredFact } from '../src/store/port.js'
import type { Projection } from './projection.js'

/**
 * Active integration events, derived from facts alone (docs/integration-events.md).
 *
 * Each event answers one problem key (e.g. "mapping M", "item 12 of the global billing"). What the
 * relay knows is folded by the deciders' own evolve functions (a mapping's health, the global
 * billing configuration), so it is keyed by the observed id exactly as they key it; after every fact
 * that changes knowledge or configuration, the affected keys are reconciled: the event a key
 * should have is raised if none is active, an active event of another type is closed (superseded),
 * and a repeat of the same problem is attached to the active event instead of raising a second.
 * A new occurrence after closing is a new event, whose id is the id of the fact that raised it.
 *
 * Memory stays bounded by what is active, not by history: the most recent RECENT_CLOSED closed
 * events are kept whole; an older one is archived, reduced to what its facts cannot give back (its
 * key, type, subject, the positions of its facts, and how it was closed). The events service reads
 * those facts back from the store to show it (`restoreArchived`).
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes (here, in the
 * catalogue's texts, or in the deciders' evolve functions folded here), so that snapshots of the
 * old shape are ignored (projections/projection.ts).
 */
const VERSION = 1

/** Closed events kept whole (the dashboard's recent history); older ones are archived. */
export const RECENT_CLOSED = 1_000

type ClosedBy = { factId: string; factType: string; actor: string; action?: EventAction; reason?: string }

export type IntegrationEvent = {
  id: string
  key: string
  type: EventTypeId
  category: EventCategory
  title: string
  description: string
  recommendedAction?: string
  subject: EventSubject
  /** What the event knows beyond its subject: the candidate invoices of recurring-invoice-missing. */
  details?: Record<string, unknown>
  actions: readonly EventAction[]
  status: 'active' | 'closed'
  raisedAt: string
  closedAt?: string
  closedBy?: ClosedBy
  /** The facts behind the event, in order: raised by, repeats, actions, closed by. */
  facts: { id: string; type: string; position: bigint }[]
}

/** A closed event beyond the recent ones: what the store's facts cannot give back about it. */
export type ArchivedEvent = {
  id: string
  key: string
  type: EventTypeId
  subject: EventSubject
  /** Positions of the facts behind the event, in order (the first raised it). */
  positions: bigint[]
  /** The fact that closed it, and the action and reason the projection derived. */
  closedBy: { position: bigint; action?: EventAction; reason?: string }
}

export type Counts = { active: number; byCategory: Record<EventCategory, number>; byType: Record<EventTypeId, number> }

export type IntegrationEventsState = {
  registry: RegistryState
  /** Per mapping, what the inventory checks last observed (the mapping-health fold). */
  health: Map<string, HealthState>
  /** The global item mapping and which of its items are missing (the billing-configuration fold). */
  billing: BillingConfigState
  /** Active events and the most recent closed ones, whole. */
  events: Map<string, IntegrationEvent>
  /** Ids of the closed events kept whole, oldest first. */
  recentlyClosed: Set<string>
  /** Older closed events, archived. */
  archived: Map<string, ArchivedEvent>
  activeByKey: Map<string, string>
  activeByMapping: Map<string, Set<string>>
  pendingRechecks: Map<string, string>
  counts: Counts
}

type PositionedFact = Fact & { position: bigint }

const initialIntegrationEvents = (): IntegrationEventsState => ({
  registry: initialRegistry(),
  health: new Map(),
  billing: initialBillingConfig(),
  events: new Map(),
  recentlyClosed: new Set(),
  archived: new Map(),
  activeByKey: new Map(),
  activeByMapping: new Map(),
  pendingRechecks: new Map(),
  counts: emptyCounts()
})

const emptyCounts = (): Counts => ({
  active: 0,
  byCategory: { mapping: 0, billing: 0, ticketing: 0, connection: 0 },
  byType: Object.fromEntries(eventTypeIds.map((id) => [id, 0])) as Record<EventTypeId, number>
})

// #region keys
const mappingKey = (m: string) => `mapping:${m}`
const invoiceKey = (m: string) => `recurring-invoice-missing:${m}`
const customItemKey = (m: string, item: number) => `halopsa-item-missing:${m}:${item}`
const globalItemKey = (item: number) => `halopsa-item-missing:global:${item}`
const creationKey = (m: string) => `ticket-creation-failed:${m}`
const configKey = 'invalid-ticketing-configuration'
const closureKey = (ticket: number) => `ticket-closure-failed:${ticket}`
const platformKey = (platform: string) => `platform-unreachable:${platform}`
// #endregion

/** Which fact types raise (or repeat) which event type. */
const raisedBy: Record<EventTypeId, readonly string[]> = {
  'gravityzone-company-not-found': ['CompanyNotFound'],
  'company-and-client-not-found': ['CompanyAndClientNotFound', 'CompanyNotFound', 'ClientDeleted'],
  'halopsa-client-not-found': ['ClientDeleted'],
  'recurring-invoice-missing': ['InvoiceMissing'],
  'halopsa-item-missing': ['ItemMissing'],
  'ticket-creation-failed': ['TicketCreateFailed'],
  'invalid-ticketing-configuration': ['TicketingConfigInvalid'],
  'ticket-closure-failed': ['TicketCloseFailed'],
  'platform-unreachable': ['PlatformUnreachable']
}

const healthOf = (state: IntegrationEventsState, mappingId: string): HealthState => {
  let health = state.health.get(mappingId)
  if (!health) state.health.set(mappingId, (health = initialHealth()))
  return health
}

const mappingSubject = (m: Mapping): EventSubject => ({
  mappingId: m.id,
  gravityzoneCompanyId: m.gravityzoneCompanyId,
  ...(m.gravityzoneCompanyName !== undefined ? { gravityzoneCompanyName: m.gravityzoneCompanyName } : {}),
  halopsaClientId: m.halopsaClientId,
  ...(m.halopsaClientName !== undefined ? { halopsaClientName: m.halopsaClientName } : {})
})

type Wanted = { type: EventTypeId; subject: EventSubject; details?: Record<string, unknown> } | null

// #region raise / close / attach
const raise = (state: IntegrationEventsState, key: string, wanted: NonNullable<Wanted>, fact: PositionedFact): void => {
  const def = eventCatalogue[wanted.type]
  const event: IntegrationEvent = {
    id: fact.id,
    key,
    type: wanted.type,
    category: def.category,
    title: def.title,
    description: def.describe(wanted.subject),
    ...(def.recommendedAction !== undefined ? { recommendedAction: def.recommendedAction } : {}),
    subject: wanted.subject,
    ...(wanted.details ? { details: wanted.details } : {}),
    actions: def.actions,
    status: 'active',
    raisedAt: fact.recordedAt.toISOString(),
    facts: [{ id: fact.id, type: fact.type, position: fact.position }]
  }
  // A fact raises at most one event per key; should one fact ever raise two (it cannot today),
  // the second gets a suffixed id rather than overwriting the first.
  if (state.events.has(event.id) || state.archived.has(event.id)) event.id = `${fact.id}:${key}`
  state.events.set(event.id, event)
  state.activeByKey.set(key, event.id)
  if (wanted.subject.mappingId !== undefined) {
    let set = state.activeByMapping.get(wanted.subject.mappingId)
    if (!set) state.activeByMapping.set(wanted.subject.mappingId, (set = new Set()))
    set.add(event.id)
  }
  state.counts.active++
  state.counts.byCategory[event.category]++
  state.counts.byType[event.type]++
}

const close = (
  state: IntegrationEventsState,
  eventId: string,
  fact: PositionedFact,
  how: { action?: EventAction; reason?: string } = {}
): void => {
  const current = state.events.get(eventId)
  if (!current || current.status !== 'active') return
  const pending = state.pendingRechecks.get(eventId)
  const action = how.action ?? (pending !== undefined && fact.metadata?.causationId === pending ? 'recheck' : undefined)
  const closed: IntegrationEvent = {
    ...current,
    status: 'closed',
    closedAt: fact.recordedAt.toISOString(),
    closedBy: {
      factId: fact.id,
      factType: fact.type,
      actor: fact.metadata?.actor ?? 'relay',
      ...(action !== undefined ? { action } : {}),
      ...(how.reason !== undefined ? { reason: how.reason } : {})
    },
    facts: current.facts
  }
  closed.facts.push({ id: fact.id, type: fact.type, position: fact.position })
  state.events.set(eventId, closed)
  state.activeByKey.delete(current.key)
  if (current.subject.mappingId !== undefined) state.activeByMapping.get(current.subject.mappingId)?.delete(eventId)
  state.pendingRechecks.delete(eventId)
  state.counts.active--
  state.counts.byCategory[current.category]--
  state.counts.byType[current.type]--
  state.recentlyClosed.add(eventId)
  if (state.recentlyClosed.size > RECENT_CLOSED) archiveOldest(state)
}

const archiveOldest = (state: IntegrationEventsState): void => {
  const [oldest] = state.recentlyClosed
  const event = oldest !== undefined ? state.events.get(oldest) : undefined
  state.recentlyClosed.delete(oldest!)
  if (!event?.closedBy) return
  const closing = event.facts.find((f) => f.id === event.closedBy!.factId)!
  const { action, reason } = event.closedBy
  state.events.delete(event.id)
  state.archived.set(event.id, {
    id: event.id,
    key: event.key,
    type: event.type,
    subject: event.subject,
    positions: event.facts.map((f) => f.position),
    closedBy: {
      position: closing.position,
      ...(action !== undefined ? { action } : {}),
      ...(reason !== undefined ? { reason } : {})
    }
  })
}

/**
 * An archived event as it was when it was kept whole, from the facts at its positions (read back
 * from the store by the caller). The facts list holds the facts given: a caller that shows no facts
 * (a list page) may give only the first and the closing one.
 */
export const restoreArchived = (
  archived: ArchivedEvent,
  factAt: (position: bigint) => StoredFact | undefined
): IntegrationEvent | undefined => {
  const raising = factAt(archived.positions[0]!)
  const closing = factAt(archived.closedBy.position)
  if (!raising || !closing) return undefined
  const def = eventCatalogue[archived.type]
  const { action, reason } = archived.closedBy
  return {
    id: archived.id,
    key: archived.key,
    type: archived.type,
    category: def.category,
    title: def.title,
    description: def.describe(archived.subject),
    ...(def.recommendedAction !== undefined ? { recommendedAction: def.recommendedAction } : {}),
    subject: archived.subject,
    actions: def.actions,
    status: 'closed',
    raisedAt: raising.recordedAt.toISOString(),
    closedAt: closing.recordedAt.toISOString(),
    closedBy: {
      factId: closing.id,
      factType: closing.type,
      actor: closing.metadata?.actor ?? 'relay',
      ...(action !== undefined ? { action } : {}),
      ...(reason !== undefined ? { reason } : {})
    },
    facts: archived.positions.flatMap((position) => {
      const f = factAt(position)
      return f ? [{ id: f.id, type: f.type, position }] : []
    })
  }
}

/** The facts list only ever grows, so it is appended in place (a copy per repeat would be quadratic). */
const attach = (state: IntegrationEventsState, eventId: string, fact: PositionedFact): void => {
  const event = state.events.get(eventId)
  if (event) event.facts.push({ id: fact.id, type: fact.type, position: fact.position })
  else state.archived.get(eventId)?.positions.push(fact.position)
}

/** Makes the key's active event match what is wanted, given the fact that prompted the check. */
const reconcile = (state: IntegrationEventsState, key: string, wanted: Wanted, fact: PositionedFact): void => {
  const activeId = state.activeByKey.get(key)
  const active = activeId !== undefined ? state.events.get(activeId) : undefined
  if (active && wanted && active.type === wanted.type) {
    if (raisedBy[active.type].includes(fact.type)) attach(state, active.id, fact)
    if (wanted.details) active.details = wanted.details
    return
  }
  if (active) close(state, active.id, fact, wanted ? { reason: `superseded by ${wanted.type}` } : {})
  if (wanted) raise(state, key, wanted, fact)
}
// #endregion

// #region what each key wants
const wantedMappingEvent = (state: IntegrationEventsState, mappingId: string): Wanted => {
  const m = state.registry.mappings.get(mappingId)
  if (!m) return null
  const k = healthOf(state, mappingId)
  const companyMissing = k.missingCompanies.has(m.gravityzoneCompanyId)
  const clientMissing = k.missingClients.has(m.halopsaClientId)
  const type: EventTypeId | null =
    companyMissing && clientMissing
      ? 'company-and-client-not-found'
      : companyMissing
        ? 'gravityzone-company-not-found'
        : clientMissing
          ? 'halopsa-client-not-found'
          : null
  return type ? { type, subject: mappingSubject(m) } : null
}

const wantedInvoiceEvent = (state: IntegrationEventsState, mappingId: string): Wanted => {
  const m = state.registry.mappings.get(mappingId)
  const health = healthOf(state, mappingId)
  if (!m || !m.billing.enabled || !health.invoiceMissing) return null
  const candidates = health.invoiceCandidates
  return {
    type: 'recurring-invoice-missing',
    subject: mappingSubject(m),
    ...(candidates ? { details: { candidates } } : {})
  }
}

const customItems = (m: Mapping): number[] =>
  m.billing.enabled && m.billing.items ? Object.values(m.billing.items) : []

const reconcileCustomItems = (state: IntegrationEventsState, mappingId: string, fact: PositionedFact): void => {
  const m = state.registry.mappings.get(mappingId)
  const k = healthOf(state, mappingId)
  const relevant = new Set(m ? customItems(m) : [])
  const keys = new Set<number>([...k.missingItems, ...relevant])
  for (const itemId of keys) {
    const wanted: Wanted =
      m && relevant.has(itemId) && k.missingItems.has(itemId)
        ? { type: 'halopsa-item-missing', subject: { ...mappingSubject(m), itemId } }
        : null
    reconcile(state, customItemKey(mappingId, itemId), wanted, fact)
  }
}

const reconcileGlobalItems = (state: IntegrationEventsState, fact: PositionedFact): void => {
  const { items, missingItems } = state.billing
  const relevant = new Set(Object.values(items))
  for (const itemId of new Set([...missingItems, ...relevant])) {
    const wanted: Wanted =
      relevant.has(itemId) && missingItems.has(itemId) ? { type: 'halopsa-item-missing', subject: { itemId } } : null
    reconcile(state, globalItemKey(itemId), wanted, fact)
  }
}

const reconcileMapping = (state: IntegrationEventsState, mappingId: string, fact: PositionedFact): void => {
  reconcile(state, mappingKey(mappingId), wantedMappingEvent(state, mappingId), fact)
  reconcile(state, invoiceKey(mappingId), wantedInvoiceEvent(state, mappingId), fact)
  reconcileCustomItems(state, mappingId, fact)
}
// #endregion

const subjectForMapping = (state: IntegrationEventsState, mappingId: string): EventSubject | undefined => {
  const m = state.registry.mappings.get(mappingId)
  return m ? mappingSubject(m) : undefined
}

const evolveIntegrationEvents = (state: IntegrationEventsState, fact: PositionedFact): IntegrationEventsState => {
  switch (fact.type) {
    case 'MappingCreated':
    case 'MappingUpdated': {
      evolveRegistry(state.registry, fact)
      reconcileMapping(state, fact.data.mappingId, fact)
      return state
    }
    case 'MappingDeleted': {
      const d = fact.data
      evolveRegistry(state.registry, fact)
      for (const eventId of [...(state.activeByMapping.get(d.mappingId) ?? [])]) {
        close(
          state,
          eventId,
          fact,
          eventId === d.eventId && d.reason === 'resolved' ? { action: 'resolve' } : { reason: 'mapping deleted' }
        )
      }
      state.activeByMapping.delete(d.mappingId)
      state.health.delete(d.mappingId)
      return state
    }
    case 'CompanyNotFound':
    case 'CompanyFound':
    case 'ClientDeleted':
    case 'ClientFound':
    case 'CompanyAndClientNotFound': {
      const { mappingId } = fact.data
      if (!state.registry.mappings.has(mappingId)) return state
      evolveHealth(healthOf(state, mappingId), fact)
      reconcile(state, mappingKey(mappingId), wantedMappingEvent(state, mappingId), fact)
      return state
    }
    case 'InvoiceMissing':
    case 'InvoiceFound':
    case 'RecurringInvoiceGenerated':
    case 'RecurringInvoiceLinked': {
      const { mappingId } = fact.data
      if (!state.registry.mappings.has(mappingId)) return state
      evolveHealth(healthOf(state, mappingId), fact)
      reconcile(state, invoiceKey(mappingId), wantedInvoiceEvent(state, mappingId), fact)
      return state
    }
    case 'ItemMissing':
    case 'ItemFound': {
      const d = fact.data
      // The same facts fold into the global configuration or into one mapping's health, by scope.
      if (d.scope === 'global') {
        evolveBillingConfig(state.billing, fact)
        reconcileGlobalItems(state, fact)
      } else if (d.mappingId !== undefined && state.registry.mappings.has(d.mappingId)) {
        evolveHealth(healthOf(state, d.mappingId), fact)
        reconcileCustomItems(state, d.mappingId, fact)
      }
      return state
    }
    case 'BillingConfigured':
      evolveBillingConfig(state.billing, fact)
      reconcileGlobalItems(state, fact)
      return state
    case 'TicketingConfigured':
      if (fact.data.verified) reconcile(state, configKey, null, fact)
      return state
    case 'TicketingConfigValid':
      reconcile(state, configKey, null, fact)
      return state
    case 'TicketingConfigInvalid': {
      const d = fact.data
      const subject = d.mappingId !== undefined ? (subjectForMapping(state, d.mappingId) ?? {}) : {}
      reconcile(state, configKey, { type: 'invalid-ticketing-configuration', subject }, fact)
      return state
    }
    case 'TicketCreateFailed': {
      const d = fact.data
      const subject = subjectForMapping(state, d.mappingId)
      if (!subject || d.cause === 'configuration') return state
      reconcile(state, creationKey(d.mappingId), { type: 'ticket-creation-failed', subject }, fact)
      return state
    }
    case 'TicketCloseFailed': {
      const d = fact.data
      const subject = subjectForMapping(state, d.mappingId)
      if (!subject) return state
      reconcile(
        state,
        closureKey(d.ticketId),
        { type: 'ticket-closure-failed', subject: { ...subject, ticketId: d.ticketId } },
        fact
      )
      return state
    }
    case 'PlatformUnreachable': {
      const { platform } = fact.data
      reconcile(state, platformKey(platform), { type: 'platform-unreachable', subject: { platform } }, fact)
      return state
    }
    case 'PlatformRecovered': {
      const activeId = state.activeByKey.get(platformKey(fact.data.platform))
      if (activeId !== undefined) close(state, activeId, fact, { reason: 'recovered' })
      return state
    }
    case 'EventAcknowledged': {
      const { eventId } = fact.data
      const event = state.events.get(eventId)
      if (event?.status === 'active' && event.actions.includes('acknowledge'))
        close(state, eventId, fact, { action: 'acknowledge' })
      return state
    }
    case 'RecheckRequested': {
      const { eventId } = fact.data
      if (state.events.get(eventId)?.status !== 'active') return state
      attach(state, eventId, fact)
      state.pendingRechecks.set(eventId, fact.id)
      return state
    }
    case 'RecheckCompleted': {
      const { eventId } = fact.data
      if (!state.events.has(eventId) && !state.archived.has(eventId)) return state
      attach(state, eventId, fact)
      state.pendingRechecks.delete(eventId)
      return state
    }
    default:
      return state
  }
}

/** The mapping's status as the Mappings page shows it (docs/integration-events.md#suspension). */
export const mappingStatus = (state: IntegrationEventsState, mappingId: string): 'ok' | 'has-events' | 'suspended' => {
  const active = state.activeByMapping.get(mappingId)
  if (!active || active.size === 0) return 'ok'
  for (const id of active) if (state.events.get(id)?.category === 'mapping') return 'suspended'
  return 'has-events'
}

/** While a mapping event is active, the mapping's Billing and Ticketing services are suspended. */
export const isSuspended = (state: IntegrationEventsState, mappingId: string): boolean =>
  mappingStatus(state, mappingId) === 'suspended'

export const integrationEventsProjection: Projection<IntegrationEventsState> = {
  name: 'integrationEvents',
  version: VERSION,
  initialState: initialIntegrationEvents,
  evolve: evolveIntegrationEvents,
  bodiesFor: [
    'MappingCreated',
    'MappingUpdated',
    'MappingDeleted',
    'CompanyNotFound',
    'CompanyFound',
    'ClientDeleted',
    'ClientFound',
    'CompanyAndClientNotFound',
    'InvoiceMissing',
    'InvoiceFound',
    'RecurringInvoiceGenerated',
    'RecurringInvoiceLinked',
    'ItemMissing',
    'ItemFound',
    'BillingConfigured',
    'TicketingConfigured',
    'TicketingConfigValid',
    'TicketingConfigInvalid',
    'TicketCreateFailed',
    'TicketCloseFailed',
    'PlatformUnreachable',
    'PlatformRecovered',
    'EventAcknowledged',
    'RecheckRequested',
    'RecheckCompleted'
  ]
}
