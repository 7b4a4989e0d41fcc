import type { Cause } from '../../domain/metadata.js'
import type { Mapping, RegistryCommand, RegistryState } from '../../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../../domain/mappingHealth.js'
import { streams } from '../../domain/streams.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { CommandHandler } from '../commandHandler.js'
import { candidatesOf, chooseInvoice } from './invoiceChoice.js'

/**
 * Linking a mapping to its client's recurring invoice the moment billing is switched on, as
 * Bitdefender's own integration does (docs/billing.md#linking): the only invoice, or the one that
 * already carries the mapped items; several and none stands out: recurring-invoice-missing with the
 * candidates; none at all: one is created, named after the client. Each link is a fact
 * (RecurringInvoiceLinked) and the mapping's recurringInvoiceId.
 */

export type InvoiceLinks = {
  /** Links the mapping's invoice (creating one if the client has none); the position of the last fact, if any. */
  link(mapping: Mapping, cause: Cause): Promise<bigint | null>
  /** Whether HaloPSA still has this recurring invoice (asked live). */
  exists(recurringInvoiceId: number): Promise<boolean>
  /** A new recurring invoice for the mapping's client, named after it, with a zero-quantity line per mapped item. */
  create(mapping: Mapping): Promise<{ recurringInvoiceId: number; name: string }>
}

type LinkHow = 'only' | 'carries-items' | 'created'

/**
 * Records that a mapping bills to this recurring invoice: the RecurringInvoiceLinked fact, then the
 * mapping's recurringInvoiceId. Shared by the link made when billing is switched on (below) and the
 * one the poll makes when it finds an invoice for a mapping that names none (inventory).
 */
export const recordInvoiceLink = async (
  handlers: {
    health: CommandHandler<HealthCommand, HealthState>
    registry: CommandHandler<RegistryCommand, RegistryState>
  },
  link: { mapping: Mapping; recurringInvoiceId: number; how: LinkHow; name?: string },
  cause: Cause
) => {
  const { mapping: m, recurringInvoiceId, how, name } = link
  const recorded = await handlers.health.handle(
    streams.mappingHealth(m.id),
    {
      type: 'RecordInvoiceLinked',
      data: {
        mappingId: m.id,
        halopsaClientId: m.halopsaClientId,
        recurringInvoiceId,
        how,
        ...(name !== undefined ? { name } : {})
      }
    },
    cause
  )
  const updated = await handlers.registry.handle(
    streams.mappingRegistry(),
    { type: 'UpdateMapping', data: { mappingId: m.id, changes: { billing: { ...m.billing, recurringInvoiceId } } } },
    cause
  )
  return [recorded, updated] as const
}

export const createInvoiceLinks = (deps: {
  halopsa: HaloPsaClient
  health: CommandHandler<HealthCommand, HealthState>
  registry: CommandHandler<RegistryCommand, RegistryState>
  /** The global item mapping (for mappings without their own). */
  billingItems(): Promise<Record<string, number>>
}): InvoiceLinks => {
  const itemsOf = async (m: Mapping) => [...new Set(Object.values(m.billing.items ?? (await deps.billingItems())))]

  const create: InvoiceLinks['create'] = async (m) => {
    const name = m.halopsaClientName ?? `Client ${m.halopsaClientId}`
    const lines = (await itemsOf(m)).map((itemId) => ({ itemId, quantity: 0 }))
    const invoice = await deps.halopsa.recurringInvoices.createForClient({ id: m.halopsaClientId, name }, { lines })
    return { recurringInvoiceId: invoice.id, name }
  }

  const record = async (m: Mapping, recurringInvoiceId: number, how: LinkHow, cause: Cause, name?: string) => {
    const [, linked] = await recordInvoiceLink(
      deps,
      { mapping: m, recurringInvoiceId, how, ...(name !== undefined ? { name } : {}) },
      cause
    )
    return linked.position
  }

  return {
    create,
    exists: async (id) => (await deps.halopsa.recurringInvoices.get(id)) !== null,
    async link(m, cause) {
      const invoices = await deps.halopsa.recurringInvoices.listForClient(m.halopsaClientId)
      const choice = chooseInvoice(m.billing.recurringInvoiceId, invoices, await itemsOf(m))
      switch (choice.how) {
        case 'linked':
          return null
        case 'only':
        case 'carries-items':
          return record(m, choice.invoice.id, choice.how, cause)
        case 'none': {
          const created = await create(m)
          return record(m, created.recurringInvoiceId, 'created', cause, created.name)
        }
        case 'ambiguous': {
          const observed = await deps.health.handle(
            streams.mappingHealth(m.id),
            {
              type: 'ObserveInvoice',
              data: {
                mappingId: m.id,
                clientId: m.halopsaClientId,
                ...(m.halopsaClientName !== undefined ? { clientName: m.halopsaClientName } : {}),
                found: false,
                candidates: candidatesOf(choice)!
              }
            },
            cause
          )
          return observed.position
        }
      }
    }
  }
}
