import type { StoredFact } from '../src/store/port.js'
import type { Fact, FactData } from '../src/domain/facts.js'
import type { Projection } from './projection.js'

/**
 * What billing needs to know without asking the platforms (docs/billing.md): the billing proposals
 * and what became of them (BILLING_APPROVAL=manual), and each mapping's billed usage of its last
 * few months, from UsageBilled, against which a usage jump is measured.
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes, so that snapshots
 * of the old shape are ignored (projections/projection.ts).
 */
const VERSION = 1

export type ProposalStatus = 'pending' | 'approved' | 'applied' | 'superseded'

export type ProposalSummary = {
  proposalId: string
  month: string
  status: ProposalStatus
  proposedAt: string
  proposedBy: string
  totals: FactData<'BillingProposed'>['totals']
  supersedes?: string
  supersededBy?: string
  approvedAt?: string
  approvedBy?: string
  /** The run that applied it, and how it ended. */
  appliedBy?: { runId: string; at: string; billed: number; unchanged: number; skipped: number; failed: number }
}

type BillingState = {
  proposals: Map<string, ProposalSummary>
  /** Per mapping: month (MM/YYYY) → the quantities billed that month, summed over its items. */
  billed: Map<string, Map<string, number>>
}

/** Proposals kept (the oldest go first); months of billed usage kept per mapping. */
const KEEP_PROPOSALS = 500
const KEEP_MONTHS = 3

/** MM/YYYY → YYYY-MM, which sorts. */
export const monthKey = (month: string) => `${month.slice(3)}-${month.slice(0, 2)}`

/** The quantity billed for a month: each item once (an item billed by two counters carries their sum on each). */
export const billedTotal = (lines: { itemId: number; quantity: number }[]): number => {
  const byItem = new Map(lines.map((l) => [l.itemId, l.quantity]))
  return [...byItem.values()].reduce((a, b) => a + b, 0)
}

const evolveBilling = (state: BillingState, fact: StoredFact & Fact): BillingState => {
  switch (fact.type) {
    case 'BillingProposed': {
      const d = fact.data
      const superseded = d.supersedes !== undefined ? state.proposals.get(d.supersedes) : undefined
      if (superseded && superseded.status === 'pending')
        state.proposals.set(d.supersedes!, { ...superseded, status: 'superseded', supersededBy: d.proposalId })
      state.proposals.set(d.proposalId, {
        proposalId: d.proposalId,
        month: d.month,
        status: 'pending',
        proposedAt: fact.recordedAt.toISOString(),
        proposedBy: fact.metadata?.actor ?? 'relay',
        totals: d.totals,
        ...(d.supersedes !== undefined ? { supersedes: d.supersedes } : {})
      })
      if (state.proposals.size > KEEP_PROPOSALS) state.proposals.delete(state.proposals.keys().next().value as string)
      return state
    }
    case 'BillingProposalApproved': {
      const p = state.proposals.get(fact.data.proposalId)
      if (p)
        state.proposals.set(p.proposalId, {
          ...p,
          status: 'approved',
          approvedAt: fact.recordedAt.toISOString(),
          approvedBy: fact.data.approvedBy
        })
      return state
    }
    case 'BillingRunCompleted': {
      const d = fact.data
      const p = d.proposalId !== undefined ? state.proposals.get(d.proposalId) : undefined
      if (p) {
        const { runId, billed, unchanged, skipped, failed } = d
        const at = fact.recordedAt.toISOString()
        state.proposals.set(p.proposalId, {
          ...p,
          status: 'applied',
          appliedBy: { runId, at, billed, unchanged, skipped, failed }
        })
      }
      return state
    }
    case 'UsageBilled': {
      const d = fact.data
      let months = state.billed.get(d.mappingId)
      if (!months) state.billed.set(d.mappingId, (months = new Map()))
      months.set(d.month, billedTotal(d.lines))
      if (months.size > KEEP_MONTHS) {
        const oldest = [...months.keys()].sort((a, b) => monthKey(a).localeCompare(monthKey(b)))[0]!
        months.delete(oldest)
      }
      return state
    }
    case 'MappingDeleted':
      state.billed.delete(fact.data.mappingId)
      return state
    default:
      return state
  }
}

export const billingProjection: Projection<BillingState> = {
  name: 'billing',
  version: VERSION,
  initialState: () => ({ proposals: new Map(), billed: new Map() }),
  evolve: evolveBilling,
  bodiesFor: ['BillingProposed', 'BillingProposalApproved', 'BillingRunCompleted', 'UsageBilled', 'MappingDeleted']
}

/** The month's pending proposal, if any. */
export const pendingProposal = (state: BillingState, month: string): ProposalSummary | undefined =>
  [...state.proposals.values()].filter((p) => p.month === month && p.status === 'pending').at(-1)

/** The proposal that replaced `proposalId`, following the chain to the newest. */
export const latestOf = (state: BillingState, proposalId: string): ProposalSummary | undefined => {
  let p = state.proposals.get(proposalId)
  for (let hops = 0; p?.supersededBy !== undefined && hops < KEEP_PROPOSALS; hops++)
    p = state.proposals.get(p.supersededBy) ?? p
  return p
}
