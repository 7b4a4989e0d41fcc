import type { FactData } from '../../domain/facts.js'
import type { Mapping } from '../../domain/mappingRegistry.js'
import { itemMappingProblems, type BillingConfigCommand, type BillingConfigState } from '../../domain/billingConfig.js'
import { streams } from '../../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../../projections/integrationEvents.js'
import { mappingsProjection } from '../../../projections/mappings.js'
import { billingProjection } from '../../../projections/billing.js'
import { canonicalCounterName, previousUsageMonth } from '../../platforms/gravityzone/usage.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { RecurringInvoice } from '../../platforms/halopsa/schemas.js'
import { itemLine } from '../../platforms/halopsa/resources/recurringInvoices.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import type { CommandHandler } from '../commandHandler.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import { chooseInvoice, chosenInvoice } from './invoiceChoice.js'
import type { UsageReader } from './usageReader.js'

/**
 * planBilling(month): for every mapping, what a billing run would do (docs/billing.md#preview),
 * computed from GravityZone's monthly usage (one getMonthlyUsage per mapping) and HaloPSA's items and
 * recurring invoices (read in bulk, in pages) — and nothing is written anywhere. The preview shows
 * the plan, the reconciliation compares it, and the run writes exactly its `update` lines, so the
 * three cannot disagree.
 */

export type SkipReason = FactData<'BillingSkipped'>['reason']

export type PlannedLine = {
  itemId: number
  /** The GravityZone usage counter billed with the item (several joined with " + "). */
  usage: string
  counters: string[]
  gravityzoneQuantity: number
  /** The item's quantity on the invoice as HaloPSA holds it now; null: no line (or no invoice). */
  halopsaQuantity: number | null
  action: 'update' | 'unchanged' | 'skip'
  reason?: 'automatic_quantity' | SkipReason
  /** recurring_invoice_quantity_type of a line whose quantity HaloPSA calculates. */
  quantityType?: number
}

export type UsageJump = { previousMonth: string; previous: number; current: number; changePercent: number | null }

export type MappingPlan = {
  mappingId: string
  customer: string
  gravityzoneCompanyId: string
  halopsaClientId: number
  billing: boolean
  recurringInvoiceId: number | null
  lines: PlannedLine[]
  skipped?: SkipReason
  detail?: string
  usageJump?: UsageJump
}

/** A mapping's plan and what the run and the reconciliation need besides. */
export type PlanEntry = {
  plan: MappingPlan
  mapping: Mapping
  invoice?: RecurringInvoice
  /** Every counter GravityZone answered (none when usage was not read). */
  counters?: Record<string, number>
  /** Items the item mapping names that HaloPSA does not have. */
  missingItems: number[]
}

export type BillingPlan = {
  month: string
  entries: PlanEntry[]
  /** The global item mapping the plan used. */
  globalItems: Record<string, number>
}

export type Planner = (
  month: string,
  options?: { scope?: 'all' | 'billing'; freshUsage?: boolean }
) => Promise<BillingPlan>

export const customerName = (m: Mapping) =>
  m.halopsaClientName ?? m.gravityzoneCompanyName ?? `HaloPSA client #${m.halopsaClientId}`

/** Usage jumps beyond `threshold` (0.25: 25 %) against the month before, as billed. */
const usageJump = (previous: number | undefined, current: number, previousMonth: string, threshold: number) => {
  if (previous === undefined) return undefined
  const changePercent = previous === 0 ? null : Math.round(((current - previous) / previous) * 1000) / 10
  const jumped = previous === 0 ? current > 0 : Math.abs(current - previous) > previous * threshold
  return jumped ? { previousMonth, previous, current, changePercent } : undefined
}

/** Each item once, with the usage of every counter billed with it (items billed by two counters add up). */
export const wantedByItem = (itemMap: Record<string, number>, counters: Record<string, number>) => {
  const byItem = new Map<number, { counters: string[]; quantity: number }>()
  for (const [counter, itemId] of Object.entries(itemMap)) {
    const item = byItem.get(itemId) ?? { counters: [], quantity: 0 }
    item.counters.push(counter)
    // Own counters only: a name such as `constructor` must not find Object's.
    const name = canonicalCounterName(counter)
    item.quantity += Object.hasOwn(counters, name) ? counters[name]! : 0
    byItem.set(itemId, item)
  }
  return byItem
}

const lineOn = (invoice: RecurringInvoice | undefined, itemId: number, quantity: number) => {
  if (!invoice) return { halopsaQuantity: null, action: 'update' as const }
  const { index, automatic } = itemLine(invoice, itemId)
  if (index >= 0) {
    const current = invoice.lines[index]!.quantity
    return { halopsaQuantity: current, action: current === quantity ? ('unchanged' as const) : ('update' as const) }
  }
  if (automatic)
    return {
      halopsaQuantity: automatic.quantity,
      action: 'skip' as const,
      reason: 'automatic_quantity' as const,
      quantityType: automatic.quantityType
    }
  return { halopsaQuantity: null, action: 'update' as const }
}

export const createPlanner = (deps: {
  runner: ProjectionRunner
  billingConfig: CommandHandler<BillingConfigCommand, BillingConfigState>
  halopsa: HaloPsaClient
  usage: UsageReader
  /** BILLING_ALERT_CHANGE as a share (0.25). */
  alertChange: number
  concurrency?: number
  pageSize?: number
}): Planner => {
  const concurrency = deps.concurrency ?? 16
  const pages = deps.pageSize ? { pageSize: deps.pageSize } : {}

  return async (month, options = {}) => {
    const all = [...deps.runner.state(mappingsProjection).mappings.values()]
    const mappings = options.scope === 'billing' ? all.filter((m) => m.billing.enabled) : all
    const globalItems = (await deps.billingConfig.load(streams.billingConfig())).items
    if (mappings.length === 0) return { month, entries: [], globalItems }
    const events = deps.runner.state(integrationEventsProjection)
    const billed = deps.runner.state(billingProjection).billed
    const previousMonth = previousUsageMonth(month)

    // An item inactivated in HaloPSA is still billable: only a 404 by id makes it missing.
    const named = [...Object.values(globalItems), ...mappings.flatMap((m) => Object.values(m.billing.items ?? {}))]
    const items = await deps.halopsa.items.existing(named, pages)
    const invoices = new Map<number, RecurringInvoice[]>()
    for (const invoice of await deps.halopsa.recurringInvoices.all(pages))
      invoices.set(invoice.clientId, [...(invoices.get(invoice.clientId) ?? []), invoice])

    const plan = async (m: Mapping): Promise<PlanEntry> => {
      const base: MappingPlan = {
        mappingId: m.id,
        customer: customerName(m),
        gravityzoneCompanyId: m.gravityzoneCompanyId,
        halopsaClientId: m.halopsaClientId,
        billing: m.billing.enabled,
        recurringInvoiceId: m.billing.recurringInvoiceId ?? null,
        lines: []
      }
      const skip = (reason: SkipReason, detail?: string): PlanEntry => ({
        plan: { ...base, skipped: reason, ...(detail !== undefined ? { detail } : {}) },
        mapping: m,
        missingItems: []
      })
      if (isSuspended(events, m.id)) return skip('suspended')
      const itemMap = m.billing.items ?? globalItems
      if (Object.keys(itemMap).length === 0) return skip('no-items', 'neither a custom nor a global item mapping')
      const problems = itemMappingProblems(itemMap)
      if (problems.length > 0) return skip('configuration-error', problems.map((p) => p.message).join('; '))
      let counters: Record<string, number>
      try {
        counters = (await deps.usage.read(m.gravityzoneCompanyId, month, { fresh: options.freshUsage === true }))
          .counters
      } catch (error) {
        if (!isPlatformError(error)) throw error
        return skip('upstream-error', error.message)
      }
      const wanted = wantedByItem(itemMap, counters)
      const choice = chooseInvoice(m.billing.recurringInvoiceId, invoices.get(m.halopsaClientId) ?? [], [
        ...wanted.keys()
      ])
      const invoice = chosenInvoice(choice)
      const missingItems = [...wanted.keys()].filter((id) => !items.has(id))
      const skipped: [SkipReason, string?] | undefined = !m.billing.enabled
        ? ['billing-disabled']
        : missingItems.length > 0
          ? ['item-missing', `HaloPSA has no item ${missingItems.join(', ')}`]
          : !invoice
            ? [
                'invoice-missing',
                choice.how === 'ambiguous'
                  ? `the client has ${choice.candidates.length} recurring invoices and none carries the mapped items`
                  : undefined
              ]
            : undefined
      const lines = [...wanted.entries()].map(([itemId, w]): PlannedLine => {
        const on = lineOn(invoice, itemId, w.quantity)
        const line: PlannedLine = {
          itemId,
          usage: w.counters.join(' + '),
          counters: w.counters,
          gravityzoneQuantity: w.quantity,
          ...on
        }
        return skipped && on.action !== 'skip' ? { ...line, action: 'skip', reason: skipped[0] } : line
      })
      const current = lines.reduce((sum, l) => sum + l.gravityzoneQuantity, 0)
      const jump = usageJump(billed.get(m.id)?.get(previousMonth), current, previousMonth, deps.alertChange)
      return {
        plan: {
          ...base,
          recurringInvoiceId: invoice?.id ?? base.recurringInvoiceId,
          lines,
          ...(skipped ? { skipped: skipped[0], ...(skipped[1] !== undefined ? { detail: skipped[1] } : {}) } : {}),
          ...(jump ? { usageJump: jump } : {})
        },
        mapping: m,
        ...(invoice ? { invoice } : {}),
        counters,
        missingItems
      }
    }

    // A few mappings at a time: GravityZone's licensing limiter paces the usage reads.
    const entries: PlanEntry[] = new Array(mappings.length)
    let next = 0
    const worker = async () => {
      for (let i = next++; i < mappings.length; i = next++) entries[i] = await plan(mappings[i]!)
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, mappings.length) }, worker))
    return { month, entries, globalItems }
  }
}
