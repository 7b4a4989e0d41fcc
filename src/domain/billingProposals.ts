import type { Decider } from './decider.js'
import { DomainError } from './errors.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/**
 * Billing proposals of one month (stream `billingProposals-<yyyy>-<mm>`; docs/billing.md#approval).
 * With BILLING_APPROVAL=manual a billing run records what it would write as a proposal; at most one
 * proposal of a month is pending, a newer one supersedes it, and only the pending one can be
 * approved. The entries stay in the state while the proposal can still be applied.
 */

export type ProposalEntry = FactData<'BillingProposed'>['plan']['entries'][number]
type Totals = FactData<'BillingProposed'>['totals']

type Proposal = {
  id: string
  status: 'pending' | 'approved' | 'superseded'
  proposedAt: Date
  supersededBy?: string
  /** Dropped once superseded: nothing will apply it. */
  entries: ProposalEntry[]
}

export type ProposalsState = { proposals: Map<string, Proposal>; pending?: string; latest?: string }

export type ProposalsCommand =
  | { type: 'Propose'; data: { proposalId: string; month: string; totals: Totals; entries: ProposalEntry[] } }
  | { type: 'Approve'; data: { proposalId: string; month: string; approvedBy: string } }

/** The entries are split so that no fact's JSON grows much past this (EventStoreDB caps an append at 1 MiB). */
export const PART_BYTES = 256 * 1024

export const splitEntries = (entries: ProposalEntry[], maxBytes = PART_BYTES): ProposalEntry[][] => {
  const parts: ProposalEntry[][] = [[]]
  let size = 0
  for (const entry of entries) {
    const bytes = JSON.stringify(entry).length + 1
    if (size + bytes > maxBytes && parts[parts.length - 1]!.length > 0) {
      parts.push([])
      size = 0
    }
    parts[parts.length - 1]!.push(entry)
    size += bytes
  }
  return parts
}

const evolve = (state: ProposalsState, fact: Fact): ProposalsState => {
  switch (fact.type) {
    case 'BillingProposed': {
      const d = fact.data
      const previous = state.pending !== undefined ? state.proposals.get(state.pending) : undefined
      if (previous) Object.assign(previous, { status: 'superseded', supersededBy: d.proposalId, entries: [] })
      state.proposals.set(d.proposalId, {
        id: d.proposalId,
        status: 'pending',
        proposedAt: fact.recordedAt,
        entries: [...d.plan.entries]
      })
      state.pending = d.proposalId
      state.latest = d.proposalId
      return state
    }
    case 'BillingProposalPart': {
      const proposal = state.proposals.get(fact.data.proposalId)
      if (proposal && proposal.status !== 'superseded') proposal.entries.push(...fact.data.entries)
      return state
    }
    case 'BillingProposalApproved': {
      const proposal = state.proposals.get(fact.data.proposalId)
      if (proposal) proposal.status = 'approved'
      if (state.pending === fact.data.proposalId) delete state.pending
      return state
    }
    default:
      return state
  }
}

const decide = (command: ProposalsCommand, state: ProposalsState): DomainFact[] => {
  switch (command.type) {
    case 'Propose': {
      const { proposalId, month, totals, entries } = command.data
      if (state.proposals.has(proposalId)) return []
      const [first = [], ...rest] = splitEntries(entries)
      return [
        domainFact('BillingProposed', {
          proposalId,
          month,
          ...(state.pending !== undefined ? { supersedes: state.pending } : {}),
          totals,
          parts: rest.length,
          plan: { entries: first }
        }),
        ...rest.map((part, i) => domainFact('BillingProposalPart', { proposalId, part: i + 1, entries: part }))
      ]
    }
    case 'Approve': {
      const { proposalId } = command.data
      const proposal = state.proposals.get(proposalId)
      if (!proposal)
        throw new DomainError('proposal_not_found', `no billing proposal has id ${proposalId}`, { proposalId })
      if (proposal.status === 'superseded')
        throw new DomainError('proposal_stale', `proposal ${proposalId} was replaced by ${state.latest}`, {
          proposalId: state.latest
        })
      // Approving an approved proposal again appends nothing: the service applies it again.
      return proposal.status === 'approved' ? [] : [domainFact('BillingProposalApproved', command.data)]
    }
  }
}

export const billingProposals: Decider<ProposalsCommand, ProposalsState> = {
  initialState: () => ({ proposals: new Map() }),
  evolve,
  decide
}
