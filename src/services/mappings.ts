import type { Cause } from '../domain/metadata.js'
import { DomainError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import type { FactData } from '../domain/facts.js'
import type { MappingChanges, RegistryCommand, RegistryState, Mapping } from '../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../domain/mappingHealth.js'
import { itemMappingProblems } from '../domain/billingConfig.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, mappingStatus } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { MappingView } from './views.js'
import type { InvoiceLinks } from './billing/linking.js'
import { isPlatformError } from '../platforms/transport/errors.js'

/**
 * Mappings (one GravityZone company ↔ one HaloPSA client). When the platform directory is
 * available, a new or edited side is looked up first: an unknown company or client is refused
 * (422) and the names are recorded for the events' descriptions.
 */

export type Directory = {
  company(companyId: string): Promise<{ id: string; name: string } | null>
  client(clientId: number): Promise<{ id: number; name: string; inactive: boolean } | null>
}

export type InvoiceMaker = (mapping: Mapping, cause: Cause) => Promise<{ recurringInvoiceId: number; name: string }>

export type NewMapping = Omit<FactData<'MappingCreated'>, 'mappingId' | 'gravityzoneCompanyName' | 'halopsaClientName'>

export const createMappingsService = (deps: {
  runner: ProjectionRunner
  registry: CommandHandler<RegistryCommand, RegistryState>
  health: CommandHandler<HealthCommand, HealthState>
  directory?: Directory
  makeInvoice?: InvoiceMaker
  /** Links the client's recurring invoice when billing is switched on (docs/billing.md#linking). */
  invoices?: Pick<InvoiceLinks, 'link' | 'exists'>
}) => {
  const mappings = () => deps.runner.state(mappingsProjection)

  const view = (m: Mapping): MappingView => {
    const events = deps.runner.state(integrationEventsProjection)
    const activity = mappings().activity.get(m.id)
    return {
      id: m.id,
      gravityzoneCompanyId: m.gravityzoneCompanyId,
      ...(m.gravityzoneCompanyName !== undefined ? { gravityzoneCompanyName: m.gravityzoneCompanyName } : {}),
      halopsaClientId: m.halopsaClientId,
      ...(m.halopsaClientName !== undefined ? { halopsaClientName: m.halopsaClientName } : {}),
      billing: m.billing,
      ticketing: m.ticketing,
      status: mappingStatus(events, m.id),
      activeEvents: events.activeByMapping.get(m.id)?.size ?? 0,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      ...(activity?.lastBilledMonth !== undefined ? { lastBilledMonth: activity.lastBilledMonth } : {}),
      ticketsCreated: activity?.ticketsCreated ?? 0
    }
  }

  const find = (id: string): Mapping => {
    const m = mappings().mappings.get(id)
    if (!m) throw new DomainError('mapping_not_found', `no mapping has id ${id}`, { mappingId: id })
    return m
  }

  const checkItems = (items: Record<string, number> | undefined) => {
    const problems = items ? itemMappingProblems(items) : []
    if (problems.length > 0)
      throw new DomainError('invalid_configuration', problems.map((p) => p.message).join('; '), { problems })
  }

  const companyName = async (companyId: string): Promise<string | undefined> => {
    if (!deps.directory) return undefined
    const company = await deps.directory.company(companyId)
    if (!company)
      throw new DomainError('unknown_company', `GravityZone has no company ${companyId}`, {
        gravityzoneCompanyId: companyId
      })
    return company.name
  }

  const clientName = async (clientId: number): Promise<string | undefined> => {
    if (!deps.directory) return undefined
    const client = await deps.directory.client(clientId)
    if (!client || client.inactive)
      throw new DomainError('unknown_client', `HaloPSA has no active client ${clientId}`, { halopsaClientId: clientId })
    return client.name
  }

  const settle = async (position: bigint | null) => {
    if (position !== null) await deps.runner.waitForPosition(position)
  }

  /**
   * Billing switched on: the invoice is linked at once. When HaloPSA does not answer, the mapping
   * stays as saved (the outage is reported by the platform's health) and the next poll links it or
   * raises recurring-invoice-missing.
   */
  const linkInvoice = async (id: string, cause: Cause) => {
    const m = find(id)
    if (!deps.invoices || !m.billing.enabled) return
    try {
      await settle(await deps.invoices.link(m, cause))
    } catch (error) {
      if (!isPlatformError(error)) throw error
    }
  }

  return {
    list(filter: { status?: MappingView['status'] } = {}): MappingView[] {
      return [...mappings().mappings.values()]
        .map(view)
        .filter((v) => filter.status === undefined || v.status === filter.status)
        .sort(
          (a, b) => (a.halopsaClientName ?? '').localeCompare(b.halopsaClientName ?? '') || a.id.localeCompare(b.id)
        )
    },

    get: (id: string): MappingView => view(find(id)),

    async create(input: NewMapping, cause: Cause): Promise<MappingView> {
      checkItems(input.billing.items)
      const state = mappings()
      // Refuse a taken side before asking the platforms (the decider checks again atomically).
      if (state.byCompany.has(input.gravityzoneCompanyId))
        throw new DomainError(
          'company_already_mapped',
          `GravityZone company ${input.gravityzoneCompanyId} is already mapped`,
          { mappingId: state.byCompany.get(input.gravityzoneCompanyId) }
        )
      if (state.byClient.has(input.halopsaClientId))
        throw new DomainError('client_already_mapped', `HaloPSA client ${input.halopsaClientId} is already mapped`, {
          mappingId: state.byClient.get(input.halopsaClientId)
        })
      const [gzName, haloName] = await Promise.all([
        companyName(input.gravityzoneCompanyId),
        clientName(input.halopsaClientId)
      ])
      const mappingId = newId()
      const result = await deps.registry.handle(
        streams.mappingRegistry(),
        {
          type: 'CreateMapping',
          data: {
            mappingId,
            ...input,
            ...(gzName !== undefined ? { gravityzoneCompanyName: gzName } : {}),
            ...(haloName !== undefined ? { halopsaClientName: haloName } : {})
          }
        },
        cause
      )
      await settle(result.position)
      await linkInvoice(mappingId, cause)
      return view(find(mappingId))
    },

    async update(id: string, changes: MappingChanges, cause: Cause): Promise<MappingView> {
      const current = find(id)
      checkItems(changes.billing?.items)
      const named: MappingChanges = { ...changes }
      if (changes.gravityzoneCompanyId !== undefined && changes.gravityzoneCompanyId !== current.gravityzoneCompanyId) {
        const name = await companyName(changes.gravityzoneCompanyId)
        if (name !== undefined) named.gravityzoneCompanyName = name
      }
      if (changes.halopsaClientId !== undefined && changes.halopsaClientId !== current.halopsaClientId) {
        const name = await clientName(changes.halopsaClientId)
        if (name !== undefined) named.halopsaClientName = name
      }
      const result = await deps.registry.handle(
        streams.mappingRegistry(),
        { type: 'UpdateMapping', data: { mappingId: id, changes: named } },
        cause
      )
      await settle(result.position)
      const updated = find(id)
      const switchedOn = !current.billing.enabled || updated.halopsaClientId !== current.halopsaClientId
      if (switchedOn) await linkInvoice(id, cause)
      return view(find(id))
    },

    async remove(id: string, cause: Cause): Promise<void> {
      find(id)
      const result = await deps.registry.handle(
        streams.mappingRegistry(),
        { type: 'DeleteMapping', data: { mappingId: id, reason: 'deleted' } },
        cause
      )
      await settle(result.position)
    },

    /**
     * "Generate Recurring Invoice", for a missing invoice only: while the linked one exists in
     * HaloPSA (asked live) nothing is created. Otherwise creates the invoice, records it, links it.
     */
    async generateRecurringInvoice(id: string, cause: Cause): Promise<MappingView> {
      const mapping = find(id)
      if (!mapping.billing.enabled)
        throw new DomainError('billing_disabled', `billing is off for mapping ${id}`, { mappingId: id })
      if (!deps.makeInvoice) throw new DomainError('not_configured', 'generating invoices needs the HaloPSA connection')
      const current = mapping.billing.recurringInvoiceId
      if (current !== undefined && deps.invoices && (await deps.invoices.exists(current)))
        throw new DomainError(
          'invoice_exists',
          `recurring invoice ${current} still exists in HaloPSA: Generate is only for a missing invoice`,
          { recurringInvoiceId: current }
        )
      const invoice = await deps.makeInvoice(mapping, cause)
      const recorded = await deps.health.handle(
        streams.mappingHealth(id),
        {
          type: 'RecordInvoiceGenerated',
          data: {
            mappingId: id,
            halopsaClientId: mapping.halopsaClientId,
            recurringInvoiceId: invoice.recurringInvoiceId,
            name: invoice.name
          }
        },
        cause
      )
      const linked = await deps.registry.handle(
        streams.mappingRegistry(),
        {
          type: 'UpdateMapping',
          data: {
            mappingId: id,
            changes: { billing: { ...mapping.billing, recurringInvoiceId: invoice.recurringInvoiceId } }
          }
        },
        cause
      )
      await settle(linked.position ?? recorded.position)
      return view(find(id))
    }
  }
}
