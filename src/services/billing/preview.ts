import type { BillingPlan, MappingPlan } from './plan.js'
import { proposalTotals } from './proposalEntries.js'

/**
 * The billing preview (GET /api/billing/preview; docs/billing.md#preview): the plan for every
 * mapping, billing on or off, and its totals. Computing it writes nothing anywhere.
 */

export type BillingPreview = {
  month: string
  mappings: MappingPlan[]
  totals: ReturnType<typeof proposalTotals> & {
    /** Quantities over every line: what GravityZone counted, what HaloPSA holds, what the update lines write. */
    quantities: { gravityzone: number; halopsa: number; update: number }
    usageJumps: number
  }
}

export const previewOf = (plan: BillingPlan): BillingPreview => {
  const quantities = { gravityzone: 0, halopsa: 0, update: 0 }
  let usageJumps = 0
  for (const { plan: p } of plan.entries) {
    if (p.usageJump) usageJumps++
    for (const line of p.lines) {
      quantities.gravityzone += line.gravityzoneQuantity
      quantities.halopsa += line.halopsaQuantity ?? 0
      if (line.action === 'update') quantities.update += line.gravityzoneQuantity
    }
  }
  return {
    month: plan.month,
    mappings: plan.entries.map((e) => e.plan),
    totals: { ...proposalTotals(plan.entries), quantities, usageJumps }
  }
}
