import type { ProposalEntry } from '../../domain/billingProposals.js'
import type { FactData } from '../../domain/facts.js'
import type { PlanEntry } from './plan.js'

/**
 * A planned mapping as a run writes it and a proposal keeps it: the invoice and, per item, the
 * quantity, the counters behind it, the quantity HaloPSA held and the action. Only mappings the plan
 * does not skip become entries.
 */
export const toProposalEntry = (p: PlanEntry): ProposalEntry => ({
  mappingId: p.plan.mappingId,
  recurringInvoiceId: p.invoice!.id,
  lines: p.plan.lines.map((l) => ({
    itemId: l.itemId,
    counters: l.counters,
    quantity: l.gravityzoneQuantity,
    previousQuantity: l.halopsaQuantity,
    action: l.action,
    ...(l.quantityType !== undefined ? { quantityType: l.quantityType } : {})
  }))
})

/** Counts per action and mappings billed or skipped, as the preview and the proposal give them. */
export const proposalTotals = (entries: PlanEntry[]): FactData<'BillingProposed'>['totals'] => {
  const totals = { mappings: entries.length, billed: 0, skipped: 0, update: 0, unchanged: 0, skip: 0 }
  for (const { plan } of entries) {
    if (plan.skipped !== undefined) totals.skipped++
    else totals.billed++
    for (const line of plan.lines) totals[line.action]++
  }
  return totals
}
