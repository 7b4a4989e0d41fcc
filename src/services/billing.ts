import type { EventStore } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { metadataFor, type Cause } from '../domain/metadata.js'
import { asFact, type FactData } from '../domain/facts.js'
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
import type { LineChange, LineSkip } from '../platforms/halopsa/resources/recurringInvoices.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Inventory } from './inventory.js'
import { invoiceFor } from './inventory/billingPrerequisites.js'

/**
 * Billing (docs/platforms/halopsa.md#recurring-invoices): for each billing-enabled, non-suspended
 * mapping, the month's GravityZone usage becomes quantities on the client's HaloPSA recurring
 * invoice, through the mapping's custom item mapping or the global one, without disturbing the
 * invoice's other lines. Invoices are read in bulk (pages) and each is written once; the run is
 * idempotent per mapping and month.
 */

type BillingReport = {
  runId: string
  month: string
  mappings: number
  billed: number
  unchanged: number
  skipped: number
  failed: number
  durationMs: number
  calls: { gravityzone: number; halopsa: number }
}

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

  type Prepared = { mapping: Mapping; itemMap: Record<string, number>; wanted: Map<number, number> }
  type Ready = Prepared & { invoice: RecurringInvoice }
  type Outcome = 'billed' | 'unchanged' | 'skipped' | 'failed'

  const skip = async (
    m: Mapping,
    month: string,
    reason: FactData<'BillingSkipped'>['reason'],
    cause: Cause,
    detail?: string
  ): Promise<Outcome> => {
    await deps.usage.handle(
      streams.usage(m.id, month),
      { type: 'RecordSkipped', data: { mappingId: m.id, month, reason, ...(detail !== undefined ? { detail } : {}) } },
      cause
    )
    return reason === 'upstream-error' ? 'failed' : 'skipped'
  }

  /** Everything up to the invoice write: the checks, and the month's usage from GravityZone. */
  const prepare = async (
    m: Mapping,
    month: string,
    context: { globalItems: Record<string, number>; items: Set<number> },
    cause: Cause
  ): Promise<Prepared | Outcome> => {
    if (isSuspended(deps.runner.state(integrationEventsProjection), m.id)) return skip(m, month, 'suspended', cause)
    const itemMap = m.billing.items ?? context.globalItems
    if (Object.keys(itemMap).length === 0)
      return skip(m, month, 'no-items', cause, 'neither a custom nor a global item mapping')
    const problems = itemMappingProblems(itemMap)
    if (problems.length > 0)
      return skip(m, month, 'configuration-error', cause, problems.map((p) => p.message).join('; '))
    const missingItems = [...new Set(Object.values(itemMap))].filter((id) => !context.items.has(id))
    if (missingItems.length > 0) {
      // Raise (or keep) the item-missing event through the same observation the poll makes.
      for (const itemId of missingItems)
        await deps.inventory.checkItem(itemId, m.billing.items ? m.id : undefined, cause)
      return skip(m, month, 'item-missing', cause, `HaloPSA has no item ${missingItems.join(', ')}`)
    }
    try {
      const usage = await deps.gravityzone.getMonthlyUsage({ companyId: m.gravityzoneCompanyId, targetMonth: month })
      // Counters may be spelt either way in an item mapping (aLaCarteMonhtlyUsage); items billed by
      // two counters add up.
      const wanted = new Map<number, number>()
      for (const [counter, itemId] of Object.entries(itemMap)) {
        // Own counters only: a name such as `constructor` must not find Object's.
        const name = canonicalCounterName(counter)
        wanted.set(
          itemId,
          (wanted.get(itemId) ?? 0) + (Object.hasOwn(usage.counters, name) ? usage.counters[name]! : 0)
        )
      }
      return { mapping: m, itemMap, wanted }
    } catch (error) {
      if (!isPlatformError(error)) throw error
      return skip(m, month, 'upstream-error', cause, error.message)
    }
  }

  /** Records what the invoice write did for one mapping (nothing new when the same usage was billed before). */
  const recordBilled = async (
    p: Ready,
    month: string,
    changes: LineChange[],
    skipped: LineSkip[],
    cause: Cause
  ): Promise<Outcome> => {
    const previous = new Map(
      p.invoice.lines.filter((l) => l.itemId != null).map((l) => [l.itemId!, l.quantity ?? null])
    )
    const lines = Object.entries(p.itemMap).map(([counter, itemId]) => {
      // A line whose quantity HaloPSA calculates was left alone: recorded as skipped, with its type.
      const skip = skipped.find((s) => s.itemId === itemId)
      return {
        counter,
        itemId,
        quantity: p.wanted.get(itemId)!,
        previousQuantity: changes.find((c) => c.itemId === itemId)?.before ?? previous.get(itemId) ?? null,
        ...(skip ? { skipped: skip.reason, quantityType: skip.quantityType } : {})
      }
    })
    const result = await deps.usage.handle(
      streams.usage(p.mapping.id, month),
      {
        type: 'RecordBilled',
        data: {
          mappingId: p.mapping.id,
          month,
          gravityzoneCompanyId: p.mapping.gravityzoneCompanyId,
          halopsaClientId: p.mapping.halopsaClientId,
          recurringInvoiceId: p.invoice.id,
          lines
        }
      },
      cause
    )
    return result.facts.length > 0 ? 'billed' : 'unchanged'
  }

  return {
    /** Bills `month` (MM/YYYY; default: last month) for every billing-enabled mapping. */
    async run(month: string | undefined, actor: string, runId = newId()): Promise<BillingReport> {
      const target = month ?? previousUsageMonth(usageMonth(now()))
      const started = Date.now()
      const cause: Cause = { actor, correlationId: runId }
      const gzBefore = deps.gravityzone.stats().transport.calls ?? 0
      const haloBefore = deps.halopsa.stats().calls
      const mappings = [...deps.runner.state(mappingsProjection).mappings.values()].filter((m) => m.billing.enabled)
      const counts = { billed: 0, unchanged: 0, skipped: 0, failed: 0 }
      if (mappings.length > 0) {
        const globalItems = (await deps.billingConfig.load(streams.billingConfig())).items
        // An item inactivated in HaloPSA is still billable: only a 404 by id makes it missing.
        const named = [...Object.values(globalItems), ...mappings.flatMap((m) => Object.values(m.billing.items ?? {}))]
        const items = await deps.halopsa.items.existing(named, deps.pageSize ? { pageSize: deps.pageSize } : {})
        // 1. Checks and usage, a few mappings at a time (GravityZone's licensing budget paces it).
        const prepared: Prepared[] = []
        const queue = [...mappings]
        const worker = async () => {
          for (let m = queue.shift(); m; m = queue.shift()) {
            const outcome = await prepare(m, target, { globalItems, items }, cause)
            if (typeof outcome === 'string') counts[outcome]++
            else prepared.push(outcome)
          }
        }
        await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
        // 2. The invoices, read in bulk just before writing them (the writes post whole line sets).
        const invoices = new Map<number, RecurringInvoice[]>()
        if (prepared.length > 0) {
          for (const invoice of await deps.halopsa.recurringInvoices.all(
            deps.pageSize ? { pageSize: deps.pageSize } : {}
          )) {
            if (invoice.clientId != null)
              invoices.set(invoice.clientId, [...(invoices.get(invoice.clientId) ?? []), invoice])
          }
        }
        const ready: Ready[] = []
        for (const p of prepared) {
          const invoice = invoiceFor(p.mapping, invoices.get(p.mapping.halopsaClientId) ?? [])
          if (invoice) ready.push({ ...p, invoice })
          else {
            await deps.inventory.checkInvoice(p.mapping, cause)
            counts[await skip(p.mapping, target, 'invoice-missing', cause)]++
          }
        }
        // 3. The writes, batched; 4. one fact per mapping.
        const written = await deps.halopsa.recurringInvoices.applyLineQuantitiesMany(
          ready.map((p) => ({
            invoice: p.invoice,
            lines: [...p.wanted.entries()].map(([itemId, quantity]) => ({ itemId, quantity }))
          }))
        )
        for (let i = 0; i < ready.length; i++) {
          const p = ready[i]!
          const result = written[i]!
          if (result.error) {
            if (result.error.kind === 'not_found') await deps.inventory.checkInvoice(p.mapping, cause)
            counts[
              await skip(
                p.mapping,
                target,
                result.error.kind === 'not_found' ? 'invoice-missing' : 'upstream-error',
                cause,
                result.error.message
              )
            ]++
          } else {
            counts[await recordBilled(p, target, result.changes, result.skipped, cause)]++
          }
        }
      }
      const report: BillingReport = {
        runId,
        month: target,
        mappings: mappings.length,
        ...counts,
        durationMs: Date.now() - started,
        calls: {
          gravityzone: (deps.gravityzone.stats().transport.calls ?? 0) - gzBefore,
          halopsa: deps.halopsa.stats().calls - haloBefore
        }
      }
      const recorded = await deps.store.append(streams.billingRun(target), [
        {
          id: newId(),
          type: 'BillingRunCompleted',
          data: {
            runId,
            month: target,
            mappings: report.mappings,
            billed: counts.billed,
            unchanged: counts.unchanged,
            skipped: counts.skipped,
            failed: counts.failed,
            durationMs: report.durationMs
          } satisfies FactData<'BillingRunCompleted'>,
          metadata: metadataFor(cause, now())
        }
      ])
      await deps.runner.waitForPosition(recorded.position)
      return report
    },

    /** Whether `month` still needs a run: never run, or the last run left failures behind. */
    async due(month: string): Promise<boolean> {
      const last = await lastFact(deps.store, streams.billingRun(month))
      if (!last) return true
      const run = asFact(last)
      return run.type === 'BillingRunCompleted' && run.data.failed > 0
    }
  }
}

export type Billing = ReturnType<typeof createBilling>
