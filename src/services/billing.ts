import type { EventStore } from '../store/port.js'
import { metadataFor, type Cause } from '../domain/metadata.js'
import type { FactData } from '../domain/facts.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import { itemMappingProblems } from '../domain/billingConfig.js'
import type { BillingConfigCommand, BillingConfigState } from '../domain/billingConfig.js'
import type { UsageCommand, UsageState } from '../domain/usage.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import { canonicalCounterName, previousUsageMonth, usageMonth } from '../platforms/gravityzone/usage.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { RecurringInvoice } from '../platforms/halopsa/schemas.js'
import { isPlatformError } from '../platforms/http/errors.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Inventory } from './inventory.js'

/**
 * Billing (issue 6 §3): for each billing-enabled, non-suspended mapping, the month's GravityZone
 * usage becomes quantities on the client's HaloPSA recurring invoice, through the mapping's custom
 * item mapping or the global one, without disturbing the invoice's other lines. Invoices are read in
 * bulk (pages) and each is written once; the run is idempotent per mapping and month.
 */

export type BillingReport = { runId: string; month: string; mappings: number; billed: number; unchanged: number; skipped: number; failed: number; durationMs: number; calls: { gravityzone: number; halopsa: number } }

export const createBilling = (deps: {
  store: EventStore
  runner: ProjectionRunner
  usage: CommandHandler<UsageCommand, UsageState>
  billingConfig: CommandHandler<BillingConfigCommand, BillingConfigState>
  inventory: Inventory
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  now?: () => Date
  concurrency?: number
  pageSize?: number
}) => {
  const now = deps.now ?? (() => new Date())
  const concurrency = deps.concurrency ?? 4

  const billOne = async (m: Mapping, month: string, context: { globalItems: Record<string, number>; items: Set<number>; invoices: Map<number, RecurringInvoice[]> }, cause: Cause): Promise<'billed' | 'unchanged' | 'skipped' | 'failed'> => {
    const usageStream = streams.usage(m.id, month)
    const skip = async (reason: FactData<'BillingSkipped'>['reason'], detail?: string) => {
      await deps.usage.handle(usageStream, { type: 'RecordSkipped', data: { mappingId: m.id, month, reason, ...(detail !== undefined ? { detail } : {}) } }, cause)
      return reason === 'upstream-error' ? 'failed' as const : 'skipped' as const
    }
    if (isSuspended(deps.runner.state(integrationEventsProjection), m.id)) return skip('suspended')
    const itemMap = m.billing.items ?? context.globalItems
    if (Object.keys(itemMap).length === 0) return skip('no-items', 'neither a custom nor a global item mapping')
    const problems = itemMappingProblems(itemMap)
    if (problems.length > 0) return skip('configuration-error', problems.map((p) => p.message).join('; '))
    const missingItems = [...new Set(Object.values(itemMap))].filter((id) => !context.items.has(id))
    if (missingItems.length > 0) {
      // Raise (or keep) the item-missing event through the same observation the poll makes.
      for (const itemId of missingItems) await deps.inventory.checkItem(itemId, m.billing.items ? m.id : undefined, cause)
      return skip('item-missing', `HaloPSA has no item ${missingItems.join(', ')}`)
    }
    const candidates = context.invoices.get(m.halopsaClientId) ?? []
    const invoice = m.billing.recurringInvoiceId !== undefined ? candidates.find((i) => i.id === m.billing.recurringInvoiceId) : candidates.find((i) => !i.disabled)
    if (!invoice) {
      await deps.inventory.checkInvoice(m, cause)
      return skip('invoice-missing')
    }
    try {
      const usage = await deps.gravityzone.getMonthlyUsage({ companyId: m.gravityzoneCompanyId, targetMonth: month })
      // Counters may be spelt either way in an item mapping (aLaCarteMonhtlyUsage); items billed by two counters add up.
      const wanted = new Map<number, { quantity: number; counters: string[] }>()
      for (const [counter, itemId] of Object.entries(itemMap)) {
        const quantity = usage.counters[canonicalCounterName(counter)] ?? 0
        const entry = wanted.get(itemId) ?? { quantity: 0, counters: [] }
        wanted.set(itemId, { quantity: entry.quantity + quantity, counters: [...entry.counters, counter] })
      }
      const { changes } = await deps.halopsa.recurringInvoices.applyLineQuantities(invoice, [...wanted.entries()].map(([itemId, w]) => ({ itemId, quantity: w.quantity })))
      const previous = new Map(invoice.lines.filter((l) => l.itemId != null).map((l) => [l.itemId!, l.quantity ?? null]))
      const lines = Object.entries(itemMap).map(([counter, itemId]) => ({
        counter,
        itemId,
        quantity: wanted.get(itemId)!.quantity,
        previousQuantity: changes.find((c) => c.itemId === itemId)?.before ?? previous.get(itemId) ?? null
      }))
      const result = await deps.usage.handle(usageStream, {
        type: 'RecordBilled',
        data: { mappingId: m.id, month, gravityzoneCompanyId: m.gravityzoneCompanyId, halopsaClientId: m.halopsaClientId, recurringInvoiceId: invoice.id, lines }
      }, cause)
      return result.facts.length > 0 ? 'billed' : 'unchanged'
    } catch (error) {
      if (!isPlatformError(error)) throw error
      if (error.kind === 'not_found') {
        await deps.inventory.checkInvoice(m, cause)
        return skip('invoice-missing', error.message)
      }
      return skip('upstream-error', error.message)
    }
  }

  return {
    /** Bills `month` (MM/YYYY; default: last month) for every billing-enabled mapping. */
    async run(month: string | undefined, actor: string): Promise<BillingReport> {
      const target = month ?? previousUsageMonth(usageMonth(now()))
      const started = Date.now()
      const runId = newId()
      const cause: Cause = { actor, correlationId: runId }
      const gzBefore = deps.gravityzone.stats().transport.calls ?? 0
      const haloBefore = deps.halopsa.stats().calls
      const mappings = [...deps.runner.state(mappingsProjection).mappings.values()].filter((m) => m.billing.enabled)
      const counts = { billed: 0, unchanged: 0, skipped: 0, failed: 0 }
      if (mappings.length > 0) {
        const globalItems = (await deps.billingConfig.load(streams.billingConfig())).items
        const items = new Set((await deps.halopsa.items.all(deps.pageSize ? { pageSize: deps.pageSize } : {})).map((i) => i.id))
        const invoices = new Map<number, RecurringInvoice[]>()
        for (const invoice of await deps.halopsa.recurringInvoices.all(deps.pageSize ? { pageSize: deps.pageSize } : {})) {
          if (invoice.clientId != null) invoices.set(invoice.clientId, [...(invoices.get(invoice.clientId) ?? []), invoice])
        }
        const queue = [...mappings]
        const worker = async () => {
          for (let m = queue.shift(); m; m = queue.shift()) counts[await billOne(m, target, { globalItems, items, invoices }, cause)]++
        }
        await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
      }
      const report: BillingReport = {
        runId,
        month: target,
        mappings: mappings.length,
        ...counts,
        durationMs: Date.now() - started,
        calls: { gravityzone: (deps.gravityzone.stats().transport.calls ?? 0) - gzBefore, halopsa: deps.halopsa.stats().calls - haloBefore }
      }
      const recorded = await deps.store.append(streams.billingRun(target), [{
        id: newId(),
        type: 'BillingRunCompleted',
        data: { runId, month: target, mappings: report.mappings, billed: counts.billed, unchanged: counts.unchanged, skipped: counts.skipped, failed: counts.failed, durationMs: report.durationMs } satisfies FactData<'BillingRunCompleted'>,
        metadata: metadataFor(cause, now())
      }])
      await deps.runner.waitForPosition(recorded.position)
      return report
    },

    /** Whether `month` still needs a run: never run, or the last run left failures behind. */
    async due(month: string): Promise<boolean> {
      try {
        const [last] = await deps.store.readStream(streams.billingRun(month), { direction: 'backwards', maxCount: 1 })
        return !last || (last.data as FactData<'BillingRunCompleted'>).failed > 0
      } catch (error) {
        if ((error as { code?: string }).code === 'stream_not_found') return true
        throw error
      }
    }
  }
}

export type Billing = ReturnType<typeof createBilling>
