import type { Cause } from '../../domain/metadata.js'
import type { Mapping, RegistryCommand, RegistryState } from '../../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../../domain/mappingHealth.js'
import type { BillingConfigCommand, BillingConfigState } from '../../domain/billingConfig.js'
import { streams } from '../../domain/streams.js'
import { mappingsProjection } from '../../../projections/mappings.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { HaloItem, RecurringInvoice } from '../../platforms/halopsa/schemas.js'
import type { CommandHandler } from '../commandHandler.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import { count, lastPosition, newTally, type Tally } from './tally.js'
import { candidatesOf, chooseInvoice, chosenInvoice, type InvoiceChoice } from '../billing/invoiceChoice.js'
import { recordInvoiceLink } from '../billing/linking.js'

/**
 * What billing needs in HaloPSA before it can bill a mapping: a recurring invoice for the client,
 * and the items its item mapping names (the global one, or the mapping's custom one). Each
 * observation goes through a decider that appends only transitions.
 */

/**
 * The recurring invoice a mapping bills to: the one it is linked to, or — when that one is gone or
 * none is linked yet — the one chooseInvoice picks among the client's (which then becomes the
 * linked one), given the items the mapping bills (its own item mapping, else the global one).
 */
export const invoiceFor = (m: Mapping, invoices: RecurringInvoice[], globalItems: Record<string, number> = {}) =>
  chooseInvoice(m.billing.recurringInvoiceId, invoices, Object.values(m.billing.items ?? globalItems))

/** The items an item mapping names, split by whether HaloPSA has them, with the counters each bills. */
const itemsSeen = (items: Record<string, number>, exists: (id: number) => boolean) => {
  const byItem = new Map<number, string[]>()
  for (const [counter, itemId] of Object.entries(items)) byItem.set(itemId, [...(byItem.get(itemId) ?? []), counter])
  return {
    present: [...byItem.keys()].filter(exists),
    missing: [...byItem.entries()].filter(([id]) => !exists(id)).map(([itemId, counters]) => ({ itemId, counters }))
  }
}

export const createBillingPrerequisites = (deps: {
  runner: ProjectionRunner
  health: CommandHandler<HealthCommand, HealthState>
  registry: CommandHandler<RegistryCommand, RegistryState>
  billingConfig: CommandHandler<BillingConfigCommand, BillingConfigState>
  halopsa: HaloPsaClient
}) => {
  const observeInvoice = async (m: Mapping, choice: InvoiceChoice, cause: Cause, tally: Tally) => {
    const invoice = chosenInvoice(choice)
    const candidates = candidatesOf(choice)
    count(
      tally,
      await deps.health.handle(
        streams.mappingHealth(m.id),
        {
          type: 'ObserveInvoice',
          data: {
            mappingId: m.id,
            clientId: m.halopsaClientId,
            ...(m.halopsaClientName !== undefined ? { clientName: m.halopsaClientName } : {}),
            found: invoice !== undefined,
            ...(invoice
              ? { recurringInvoiceId: invoice.id }
              : m.billing.recurringInvoiceId !== undefined
                ? { recurringInvoiceId: m.billing.recurringInvoiceId }
                : {}),
            ...(candidates ? { candidates } : {})
          }
        },
        cause
      )
    )
    // An invoice found for a client whose mapping names none (or a deleted one) is linked to it.
    if (
      invoice &&
      (choice.how === 'only' || choice.how === 'carries-items') &&
      m.billing.recurringInvoiceId !== invoice.id
    ) {
      for (const result of await recordInvoiceLink(
        deps,
        { mapping: m, recurringInvoiceId: invoice.id, how: choice.how },
        cause
      ))
        count(tally, result)
    }
  }

  const observeCustomItems = async (m: Mapping, exists: (id: number) => boolean, cause: Cause, tally: Tally) => {
    if (!m.billing.items) return
    const { present, missing } = itemsSeen(m.billing.items, exists)
    count(
      tally,
      await deps.health.handle(
        streams.mappingHealth(m.id),
        { type: 'ObserveItems', data: { mappingId: m.id, present, missing } },
        cause
      )
    )
  }

  const observeGlobalItems = async (exists: (id: number) => boolean, cause: Cause, tally: Tally) => {
    const config = await deps.billingConfig.load(streams.billingConfig())
    const { present, missing } = itemsSeen(config.items, exists)
    count(
      tally,
      await deps.billingConfig.handle(
        streams.billingConfig(),
        { type: 'ObserveGlobalItems', data: { present, missing } },
        cause
      )
    )
  }

  return {
    observeInvoice,
    observeCustomItems,
    observeGlobalItems,

    /**
     * Which items HaloPSA has, among every listed one and the ids the item mappings name: an item
     * inactivated in HaloPSA is still there, so a named id the list leaves out is looked up by id.
     * The listed items come back too: they are the directory's item list.
     */
    async existingItems(billed: Mapping[], pageSize: number): Promise<{ ids: Set<number>; listed: HaloItem[] }> {
      const named = Object.values((await deps.billingConfig.load(streams.billingConfig())).items)
      for (const m of billed) named.push(...Object.values(m.billing.items ?? {}))
      const listed = await deps.halopsa.items.all({ includeInactive: true, pageSize })
      const ids = new Set(listed.map((i) => i.id))
      for (const id of new Set(named)) if (!ids.has(id) && (await deps.halopsa.items.get(id)) !== null) ids.add(id)
      return { ids, listed }
    },

    /** One mapping's recurring invoice, asked directly (Recheck, or billing finding it gone). */
    async checkInvoice(m: Mapping, cause: Cause): Promise<bigint | null> {
      const tally = newTally()
      const invoices = await deps.halopsa.recurringInvoices.listForClient(m.halopsaClientId)
      const globalItems = (await deps.billingConfig.load(streams.billingConfig())).items
      await observeInvoice(m, invoiceFor(m, invoices, globalItems), cause, tally)
      return lastPosition(tally)
    },

    /** One item, asked directly: in the global item mapping, or in a mapping's custom one. */
    async checkItem(itemId: number, mappingId: string | undefined, cause: Cause): Promise<bigint | null> {
      const tally = newTally()
      const exists = (await deps.halopsa.items.get(itemId)) !== null
      const check = (id: number) => (id === itemId ? exists : true)
      if (mappingId === undefined) await observeGlobalItems(check, cause, tally)
      else {
        const m = deps.runner.state(mappingsProjection).mappings.get(mappingId)
        if (m) await observeCustomItems(m, check, cause, tally)
      }
      return lastPosition(tally)
    }
  }
}
