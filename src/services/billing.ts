import type { EventStore } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { metadataFor, type Cause } from '../domain/metadata.js'
import { asFact, type FactData } from '../domain/facts.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import type { UsageCommand, UsageState } from '../domain/usage.js'
import type { ProposalEntry, ProposalsCommand, ProposalsState } from '../domain/billingProposals.js'
import { DomainError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { billingProjection, pendingProposal } from '../../projections/billing.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import { previousUsageMonth, usageMonth } from '../platforms/gravityzone/usage.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { RecurringInvoice } from '../platforms/halopsa/schemas.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Inventory } from './inventory.js'
import type { PlanEntry, Planner, SkipReason } from './billing/plan.js'
import { proposalTotals, toProposalEntry } from './billing/proposalEntries.js'

/**
 * Billing runs (docs/billing.md): month M's GravityZone usage becomes quantities on each mapped
 * client's HaloPSA recurring invoice. A run executes the plan (billing/plan.ts) — the same one the
 * preview shows — writing exactly its `update` lines, in batches, and records one fact per mapping.
 * With BILLING_APPROVAL=manual a run records the plan as a proposal instead and writes nothing; the
 * approved proposal is applied by a later run. A run is idempotent per mapping and month.
 */

export type BillingApproval = 'auto' | 'manual'

type BillingReport = {
  runId: string
  month: string
  approval: BillingApproval
  mappings: number
  billed: number
  unchanged: number
  skipped: number
  failed: number
  durationMs: number
  calls: { gravityzone: number; halopsa: number }
  /** Manual approval: the proposal this run recorded or applied. */
  proposalId?: string
  /** Manual approval, a run that proposes: what the proposal would write once approved. */
  proposed?: { mappings: number; lines: number }
}

/** What a run is asked to do: bill (or, with manual approval, propose), propose, or apply a proposal. */
export type RunRequest = { proposal?: { id: string; action: 'propose' | 'apply' } }

type Outcome = 'billed' | 'unchanged' | 'skipped' | 'failed'
type Counts = Record<Outcome, number>
/** A mapping ready to write: its entry and the invoice as read just before. */
type Ready = { entry: ProposalEntry; mapping: Mapping; invoice: RecurringInvoice }

export const createBilling = (deps: {
  store: EventStore
  runner: ProjectionRunner
  usage: CommandHandler<UsageCommand, UsageState>
  proposals: CommandHandler<ProposalsCommand, ProposalsState>
  inventory: Inventory
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  plan: Planner
  approval?: BillingApproval
  now?: () => Date
  pageSize?: number
}) => {
  const now = deps.now ?? (() => new Date())
  const approval = deps.approval ?? 'auto'
  const pages = deps.pageSize ? { pageSize: deps.pageSize } : {}

  const skip = async (m: Mapping, month: string, reason: SkipReason, cause: Cause, detail?: string) => {
    await deps.usage.handle(
      streams.usage(m.id, month),
      { type: 'RecordSkipped', data: { mappingId: m.id, month, reason, ...(detail !== undefined ? { detail } : {}) } },
      cause
    )
    return reason === 'upstream-error' ? 'failed' : 'skipped'
  }

  /** A mapping the plan skips: recorded, and what billing found missing raised as the poll would. */
  const recordSkipped = async (p: PlanEntry, month: string, cause: Cause): Promise<Outcome> => {
    const { mapping: m, plan } = p
    if (plan.skipped === 'item-missing')
      for (const itemId of p.missingItems)
        await deps.inventory.checkItem(itemId, m.billing.items ? m.id : undefined, cause)
    if (plan.skipped === 'invoice-missing') await deps.inventory.checkInvoice(m, cause)
    return skip(m, month, plan.skipped!, cause, plan.detail)
  }

  /** Writes the entries' `update` lines (batched), then records one fact per mapping. */
  const execute = async (ready: Ready[], month: string, cause: Cause, counts: Counts) => {
    const written = await deps.halopsa.recurringInvoices.applyLineQuantitiesMany(
      ready.map(({ entry, invoice }) => ({
        invoice,
        lines: entry.lines.filter((l) => l.action === 'update').map((l) => ({ itemId: l.itemId, quantity: l.quantity }))
      }))
    )
    for (let i = 0; i < ready.length; i++) {
      const { entry, mapping } = ready[i]!
      const result = written[i]!
      if (result.error) {
        const missing = result.error.kind === 'not_found'
        if (missing) await deps.inventory.checkInvoice(mapping, cause)
        counts[
          await skip(mapping, month, missing ? 'invoice-missing' : 'upstream-error', cause, result.error.message)
        ]++
        continue
      }
      const lines = entry.lines.flatMap((line) => {
        // A line HaloPSA calculates is left as it was: recorded as skipped, with its quantity type.
        const automatic =
          result.skipped.find((s) => s.itemId === line.itemId) ??
          (line.action === 'skip' && line.quantityType !== undefined ? { quantityType: line.quantityType } : undefined)
        const before = result.changes.find((c) => c.itemId === line.itemId)?.before
        return line.counters.map((counter) => ({
          counter,
          itemId: line.itemId,
          quantity: line.quantity,
          previousQuantity: before !== undefined ? before : line.previousQuantity,
          ...(automatic ? { skipped: 'automatic_quantity' as const, quantityType: automatic.quantityType } : {})
        }))
      })
      const recorded = await deps.usage.handle(
        streams.usage(mapping.id, month),
        {
          type: 'RecordBilled',
          data: {
            mappingId: mapping.id,
            month,
            gravityzoneCompanyId: mapping.gravityzoneCompanyId,
            halopsaClientId: mapping.halopsaClientId,
            recurringInvoiceId: entry.recurringInvoiceId,
            lines
          }
        },
        cause
      )
      counts[recorded.facts.length > 0 ? 'billed' : 'unchanged']++
    }
  }

  /** Bills what the plan says, now. */
  const bill = async (month: string, cause: Cause, counts: Counts) => {
    const plan = await deps.plan(month, { scope: 'billing', freshUsage: true })
    const ready: Ready[] = []
    for (const p of plan.entries) {
      if (p.plan.skipped !== undefined) counts[await recordSkipped(p, month, cause)]++
      else ready.push({ entry: toProposalEntry(p), mapping: p.mapping, invoice: p.invoice! })
    }
    await execute(ready, month, cause, counts)
    return plan.entries.length
  }

  /** Records the plan as the month's pending proposal; writes nothing to HaloPSA. */
  const propose = async (month: string, proposalId: string, cause: Cause) => {
    const plan = await deps.plan(month, { scope: 'billing', freshUsage: true })
    const entries = plan.entries.filter((p) => p.plan.skipped === undefined).map(toProposalEntry)
    const totals = proposalTotals(plan.entries)
    const recorded = await deps.proposals.handle(
      streams.billingProposals(month),
      { type: 'Propose', data: { proposalId, month, totals, entries } },
      cause
    )
    if (recorded.position !== null) await deps.runner.waitForPosition(recorded.position)
    return {
      mappings: plan.entries.length,
      skipped: plan.entries.filter((p) => p.plan.skipped !== undefined && p.plan.skipped !== 'upstream-error').length,
      failed: plan.entries.filter((p) => p.plan.skipped === 'upstream-error').length,
      proposed: { mappings: entries.length, lines: totals.update }
    }
  }

  /** Writes an approved proposal's `update` lines on the invoices as HaloPSA holds them now. */
  const apply = async (month: string, proposalId: string, cause: Cause, counts: Counts) => {
    const proposal = (await deps.proposals.load(streams.billingProposals(month))).proposals.get(proposalId)
    if (!proposal)
      throw new DomainError('proposal_not_found', `no billing proposal has id ${proposalId}`, { proposalId })
    if (proposal.status !== 'approved')
      throw new DomainError('proposal_not_pending', `proposal ${proposalId} is ${proposal.status}, not approved`, {
        proposalId
      })
    const mappings = deps.runner.state(mappingsProjection).mappings
    const invoices = new Map((await deps.halopsa.recurringInvoices.all(pages)).map((i) => [i.id, i]))
    const ready: Ready[] = []
    for (const entry of proposal.entries) {
      const mapping = mappings.get(entry.mappingId)
      // A mapping deleted since the proposal has nothing left to bill.
      if (!mapping) continue
      const invoice = invoices.get(entry.recurringInvoiceId)
      if (invoice) ready.push({ entry, mapping, invoice })
      else {
        await deps.inventory.checkInvoice(mapping, cause)
        counts[await skip(mapping, month, 'invoice-missing', cause, `recurring invoice ${entry.recurringInvoiceId}`)]++
      }
    }
    await execute(ready, month, cause, counts)
    return proposal.entries.length
  }

  const complete = async (report: BillingReport, cause: Cause) => {
    const { runId, month, mappings, billed, unchanged, skipped, failed, durationMs, proposalId } = report
    const recorded = await deps.store.append(streams.billingRun(month), [
      {
        id: newId(),
        type: 'BillingRunCompleted',
        data: {
          runId,
          month,
          mappings,
          billed,
          unchanged,
          skipped,
          failed,
          durationMs,
          ...(proposalId !== undefined ? { proposalId } : {})
        } satisfies FactData<'BillingRunCompleted'>,
        metadata: metadataFor(cause, now())
      }
    ])
    await deps.runner.waitForPosition(recorded.position)
  }

  return {
    approval,

    /** Bills `month` (MM/YYYY; default: last month), proposes it (manual approval), or applies a proposal. */
    async run(month: string | undefined, actor: string, runId = newId(), request: RunRequest = {}) {
      const target = month ?? previousUsageMonth(usageMonth(now()))
      const started = Date.now()
      const cause: Cause = { actor, correlationId: runId }
      const gzBefore = deps.gravityzone.stats().transport.calls ?? 0
      const haloBefore = deps.halopsa.stats().calls
      const calls = () => ({
        gravityzone: (deps.gravityzone.stats().transport.calls ?? 0) - gzBefore,
        halopsa: deps.halopsa.stats().calls - haloBefore
      })
      const counts: Counts = { billed: 0, unchanged: 0, skipped: 0, failed: 0 }
      const base = { runId, month: target, approval }
      const action = request.proposal?.action ?? (approval === 'manual' ? 'propose' : undefined)
      if (action === 'propose') {
        const proposalId = request.proposal?.id ?? newId()
        const proposed = await propose(target, proposalId, cause)
        const durationMs = Date.now() - started
        return {
          ...base,
          billed: 0,
          unchanged: 0,
          ...proposed,
          proposalId,
          durationMs,
          calls: calls()
        } as BillingReport
      }
      const proposalId = action === 'apply' ? request.proposal!.id : undefined
      const mappings = proposalId ? await apply(target, proposalId, cause, counts) : await bill(target, cause, counts)
      const report: BillingReport = {
        ...base,
        mappings,
        ...counts,
        durationMs: Date.now() - started,
        calls: calls(),
        ...(proposalId !== undefined ? { proposalId } : {})
      }
      await complete(report, cause)
      return report
    },

    /**
     * Whether `month` still needs a run: never billed, or the last run left failures behind. With
     * manual approval, not while a proposal made since the last poll waits for approval (a stale one
     * is due: it is made again).
     */
    async due(month: string, options: { lastPollAt?: Date } = {}): Promise<boolean> {
      const last = await lastFact(deps.store, streams.billingRun(month))
      const run = last ? asFact(last) : undefined
      if (run?.type === 'BillingRunCompleted' && run.data.failed === 0) return false
      if (approval === 'auto') return true
      const pending = pendingProposal(deps.runner.state(billingProjection), month)
      return !pending || (options.lastPollAt !== undefined && options.lastPollAt > new Date(pending.proposedAt))
    }
  }
}

export type Billing = ReturnType<typeof createBilling>
