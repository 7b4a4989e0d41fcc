import type { StoredFact } from '../store/port.js'
import { exceedsDepth, jsonPreview } from '../domain/jsonLimits.js'
import type { IntegrationEvent } from '../../projections/integrationEvents.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import { eventCatalogue, type EventAction } from '../domain/integrationEvents.js'

/**
 * How facts, events and mappings look outside the relay (the API; README.md#http-interface):
 * bigints as decimal strings.
 */

export type AuditFact = {
  position: string
  stream: string
  revision: string
  id: string
  type: string
  data: unknown
  metadata: Record<string, unknown>
  recordedAt: string
}

/**
 * Facts stored before the relay bounded what it accepts may hold data nested too deep for
 * JSON.stringify (which recurses): shown as a bounded preview instead, so one such fact never
 * fails an audit page or stops an export.
 */
const AUDIT_MAX_DEPTH = 256
const AUDIT_PREVIEW_CHARS = 4 * 1024

const shownData = (data: unknown): unknown =>
  exceedsDepth(data, AUDIT_MAX_DEPTH)
    ? {
        unshown: `the data is nested deeper than ${AUDIT_MAX_DEPTH} levels; its start follows`,
        preview: jsonPreview(data, AUDIT_PREVIEW_CHARS)
      }
    : data

export const auditFact = (fact: StoredFact): AuditFact => ({
  position: fact.position.toString(),
  stream: fact.stream,
  revision: fact.revision.toString(),
  id: fact.id,
  type: fact.type,
  data: shownData(fact.data),
  metadata: fact.metadata,
  recordedAt: fact.recordedAt.toISOString()
})

export type EventView = Omit<IntegrationEvent, 'key' | 'facts' | 'actions'> & {
  /** The catalogue's one-line description of the event type (docs/integration-events.md). */
  summary: string
  actions: EventAction[]
  facts?: AuditFact[]
}

export const eventView = (event: IntegrationEvent, facts?: AuditFact[]): EventView => {
  const { key: _key, facts: _facts, actions, ...rest } = event
  return {
    ...rest,
    summary: eventCatalogue[event.type].summary,
    actions: [...actions],
    ...(facts ? { facts } : {})
  }
}

export type MappingView = {
  id: string
  gravityzoneCompanyId: string
  gravityzoneCompanyName?: string
  halopsaClientId: number
  halopsaClientName?: string
  billing: Mapping['billing']
  ticketing: Mapping['ticketing']
  status: 'ok' | 'has-events' | 'suspended'
  activeEvents: number
  createdAt: string
  updatedAt: string
  lastBilledMonth?: string
  ticketsCreated: number
}
