import { z } from 'zod'
import type { Decider } from './decider.js'
import { DomainError } from './errors.js'
import {
  BillingSettings,
  ClientId,
  CompanyId,
  MappingId,
  TicketingSettings,
  domainFact,
  type DomainFact,
  type Fact,
  type FactData
} from './facts.js'

/**
 * The mapping registry: every mapping's lifecycle in one stream, so the 1:1 rule (one GravityZone
 * company ↔ one HaloPSA client) is decided against all mappings with one expected revision.
 */

export type Mapping = {
  id: string
  gravityzoneCompanyId: string
  gravityzoneCompanyName?: string
  halopsaClientId: number
  halopsaClientName?: string
  billing: z.infer<typeof BillingSettings>
  ticketing: z.infer<typeof TicketingSettings>
  createdAt: string
  updatedAt: string
}

export type RegistryState = {
  mappings: Map<string, Mapping>
  byCompany: Map<string, string>
  byClient: Map<number, string>
}

export const MappingChanges = z.object({
  gravityzoneCompanyId: CompanyId.optional(),
  gravityzoneCompanyName: z.string().optional(),
  halopsaClientId: ClientId.optional(),
  halopsaClientName: z.string().optional(),
  billing: BillingSettings.partial().optional(),
  ticketing: TicketingSettings.partial().optional()
})
export type MappingChanges = z.infer<typeof MappingChanges>

export type RegistryCommand =
  | { type: 'CreateMapping'; data: FactData<'MappingCreated'> }
  | { type: 'UpdateMapping'; data: { mappingId: string; changes: MappingChanges } }
  | { type: 'DeleteMapping'; data: { mappingId: string; reason: 'deleted' | 'resolved'; eventId?: string } }

export const initialRegistry = (): RegistryState => ({ mappings: new Map(), byCompany: new Map(), byClient: new Map() })

export const evolveRegistry = (state: RegistryState, fact: Fact): RegistryState => {
  switch (fact.type) {
    case 'MappingCreated': {
      const d = fact.data
      const at = fact.recordedAt.toISOString()
      const mapping: Mapping = {
        id: d.mappingId,
        gravityzoneCompanyId: d.gravityzoneCompanyId,
        halopsaClientId: d.halopsaClientId,
        billing: d.billing,
        ticketing: d.ticketing,
        createdAt: at,
        updatedAt: at
      }
      if (d.gravityzoneCompanyName !== undefined) mapping.gravityzoneCompanyName = d.gravityzoneCompanyName
      if (d.halopsaClientName !== undefined) mapping.halopsaClientName = d.halopsaClientName
      state.mappings.set(d.mappingId, mapping)
      state.byCompany.set(d.gravityzoneCompanyId, d.mappingId)
      state.byClient.set(d.halopsaClientId, d.mappingId)
      return state
    }
    case 'MappingUpdated': {
      const d = fact.data
      const current = state.mappings.get(d.mappingId)
      if (!current) return state
      const next: Mapping = { ...current, updatedAt: fact.recordedAt.toISOString() }
      const c = d.changes
      if (c.gravityzoneCompanyId !== undefined && c.gravityzoneCompanyId !== current.gravityzoneCompanyId) {
        state.byCompany.delete(current.gravityzoneCompanyId)
        state.byCompany.set(c.gravityzoneCompanyId, d.mappingId)
        next.gravityzoneCompanyId = c.gravityzoneCompanyId
        delete next.gravityzoneCompanyName
      }
      if (c.halopsaClientId !== undefined && c.halopsaClientId !== current.halopsaClientId) {
        state.byClient.delete(current.halopsaClientId)
        state.byClient.set(c.halopsaClientId, d.mappingId)
        next.halopsaClientId = c.halopsaClientId
        delete next.halopsaClientName
      }
      if (c.gravityzoneCompanyName !== undefined) next.gravityzoneCompanyName = c.gravityzoneCompanyName
      if (c.halopsaClientName !== undefined) next.halopsaClientName = c.halopsaClientName
      if (c.billing !== undefined) next.billing = c.billing
      if (c.ticketing !== undefined) next.ticketing = c.ticketing
      state.mappings.set(d.mappingId, next)
      return state
    }
    case 'MappingDeleted': {
      const d = fact.data
      const current = state.mappings.get(d.mappingId)
      if (!current) return state
      state.mappings.delete(d.mappingId)
      if (state.byCompany.get(current.gravityzoneCompanyId) === d.mappingId)
        state.byCompany.delete(current.gravityzoneCompanyId)
      if (state.byClient.get(current.halopsaClientId) === d.mappingId) state.byClient.delete(current.halopsaClientId)
      return state
    }
    default:
      return state
  }
}

const requireMapping = (state: RegistryState, mappingId: string): Mapping => {
  const mapping = state.mappings.get(mappingId)
  if (!mapping) throw new DomainError('mapping_not_found', `mapping ${mappingId} does not exist`, { mappingId })
  return mapping
}

const ensureCompanyFree = (state: RegistryState, companyId: string, self?: string): void => {
  const holder = state.byCompany.get(companyId)
  if (holder !== undefined && holder !== self) {
    throw new DomainError(
      'company_already_mapped',
      `GravityZone company ${companyId} is already mapped (mapping ${holder})`,
      { gravityzoneCompanyId: companyId, mappingId: holder }
    )
  }
}

const ensureClientFree = (state: RegistryState, clientId: number, self?: string): void => {
  const holder = state.byClient.get(clientId)
  if (holder !== undefined && holder !== self) {
    throw new DomainError('client_already_mapped', `HaloPSA client ${clientId} is already mapped (mapping ${holder})`, {
      halopsaClientId: clientId,
      mappingId: holder
    })
  }
}

const decideRegistry = (command: RegistryCommand, state: RegistryState): DomainFact[] => {
  switch (command.type) {
    case 'CreateMapping': {
      const d = command.data
      MappingId.parse(d.mappingId)
      if (state.mappings.has(d.mappingId))
        throw new DomainError('mapping_already_exists', `mapping ${d.mappingId} already exists`, {
          mappingId: d.mappingId
        })
      ensureCompanyFree(state, d.gravityzoneCompanyId)
      ensureClientFree(state, d.halopsaClientId)
      return [domainFact('MappingCreated', d)]
    }
    case 'UpdateMapping': {
      const { mappingId, changes } = command.data
      const current = requireMapping(state, mappingId)
      const effective = effectiveChanges(current, changes)
      if (effective.gravityzoneCompanyId !== undefined)
        ensureCompanyFree(state, effective.gravityzoneCompanyId, mappingId)
      if (effective.halopsaClientId !== undefined) ensureClientFree(state, effective.halopsaClientId, mappingId)
      if (Object.keys(effective).length === 0) return []
      return [domainFact('MappingUpdated', { mappingId, changes: effective })]
    }
    case 'DeleteMapping': {
      const { mappingId, reason, eventId } = command.data
      const current = requireMapping(state, mappingId)
      return [
        domainFact('MappingDeleted', {
          mappingId,
          gravityzoneCompanyId: current.gravityzoneCompanyId,
          halopsaClientId: current.halopsaClientId,
          reason,
          ...(eventId !== undefined ? { eventId } : {})
        })
      ]
    }
  }
}

/** Only what differs from the current mapping, with billing/ticketing merged into whole values. */
const effectiveChanges = (current: Mapping, changes: MappingChanges): FactData<'MappingUpdated'>['changes'] => {
  const out: FactData<'MappingUpdated'>['changes'] = {}
  if (changes.gravityzoneCompanyId !== undefined && changes.gravityzoneCompanyId !== current.gravityzoneCompanyId)
    out.gravityzoneCompanyId = changes.gravityzoneCompanyId
  if (changes.halopsaClientId !== undefined && changes.halopsaClientId !== current.halopsaClientId)
    out.halopsaClientId = changes.halopsaClientId
  if (
    changes.gravityzoneCompanyName !== undefined &&
    (out.gravityzoneCompanyId !== undefined || changes.gravityzoneCompanyName !== current.gravityzoneCompanyName)
  )
    out.gravityzoneCompanyName = changes.gravityzoneCompanyName
  if (
    changes.halopsaClientName !== undefined &&
    (out.halopsaClientId !== undefined || changes.halopsaClientName !== current.halopsaClientName)
  )
    out.halopsaClientName = changes.halopsaClientName
  if (changes.billing !== undefined) {
    const billing = { ...current.billing, ...changes.billing }
    // `items: null`-style removal arrives as an explicit undefined key from PATCH bodies.
    if ('items' in changes.billing && changes.billing.items === undefined) delete billing.items
    if (JSON.stringify(billing) !== JSON.stringify(current.billing)) out.billing = billing
  }
  if (changes.ticketing !== undefined) {
    const ticketing = { ...current.ticketing, ...changes.ticketing }
    if (ticketing.enabled !== current.ticketing.enabled) out.ticketing = ticketing
  }
  return out
}

export const mappingRegistry: Decider<RegistryCommand, RegistryState> = {
  initialState: initialRegistry,
  evolve: evolveRegistry,
  decide: decideRegistry
}
