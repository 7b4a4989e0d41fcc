import type { Cause } from '../../domain/metadata.js'
import { DomainError } from '../../domain/errors.js'
import { newId } from '../../domain/ids.js'
import { streams } from '../../domain/streams.js'
import type { ProposalsCommand, ProposalsState } from '../../domain/billingProposals.js'
import { billingProjection, latestOf, monthKey, type ProposalSummary } from '../../../projections/billing.js'
import type { CommandHandler } from '../commandHandler.js'
import type { JobControl, JobRun } from '../jobs.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import type { BillingApproval } from '../billing.js'

/**
 * Approving billing proposals (BILLING_APPROVAL=manual; docs/billing.md#approval). A proposal
 * made before the latest poll finished is stale: approving it plans the month again as a new
 * proposal (superseding it) and answers `proposal_stale` with the new one's id, so nothing is
 * applied from a plan older than what the relay last saw. Approving a fresh one records who
 * approved it and starts the billing run that applies it.
 */

export const createBillingApproval = (deps: {
  runner: ProjectionRunner
  proposals: CommandHandler<ProposalsCommand, ProposalsState>
  jobs: JobControl
  /** When the last finished poll started (proposals made before it are stale). */
  lastPollAt(): Date | undefined
  approval: BillingApproval
}) => {
  const state = () => deps.runner.state(billingProjection)

  const find = (proposalId: string): ProposalSummary => {
    const p = state().proposals.get(proposalId)
    if (!p) throw new DomainError('proposal_not_found', `no billing proposal has id ${proposalId}`, { proposalId })
    return p
  }

  const stale = (p: ProposalSummary) => {
    const poll = deps.lastPollAt()
    return poll !== undefined && poll > new Date(p.proposedAt)
  }

  return {
    list(filter: { month?: string; status?: ProposalSummary['status'] } = {}) {
      const items = [...state().proposals.values()]
        .filter(
          (p) =>
            (filter.month === undefined || p.month === filter.month) && (!filter.status || p.status === filter.status)
        )
        .map((p) => ({ ...p, stale: p.status === 'pending' && stale(p) }))
        .sort((a, b) => monthKey(b.month).localeCompare(monthKey(a.month)) || b.proposedAt.localeCompare(a.proposedAt))
      return { approval: deps.approval, items }
    },

    /** Applies a pending proposal (a billing run); refuses a stale, superseded or applied one. */
    async approve(proposalId: string, cause: Cause, waitMs: number): Promise<JobRun & { thrown?: unknown }> {
      const p = find(proposalId)
      if (p.status === 'superseded') {
        const latest = latestOf(state(), proposalId)
        throw new DomainError('proposal_stale', `proposal ${proposalId} was replaced by ${latest?.proposalId}`, {
          proposalId: latest?.proposalId
        })
      }
      if (p.status === 'applied')
        throw new DomainError('proposal_not_pending', `proposal ${proposalId} was applied already`, {
          proposalId,
          runId: p.appliedBy?.runId
        })
      if (p.status === 'pending' && stale(p)) {
        const fresh = newId()
        const run = await deps.jobs.request('billing', {
          actor: cause.actor,
          month: p.month,
          waitMs,
          proposal: { id: fresh, action: 'propose' }
        })
        throw new DomainError(
          'proposal_stale',
          `proposal ${proposalId} was made before the latest poll; proposal ${fresh} replaces it`,
          { proposalId: fresh, runId: run.runId, status: run.status }
        )
      }
      await deps.proposals.handle(
        streams.billingProposals(p.month),
        { type: 'Approve', data: { proposalId, month: p.month, approvedBy: cause.actor } },
        cause
      )
      return deps.jobs.request('billing', {
        actor: cause.actor,
        month: p.month,
        waitMs,
        proposal: { id: proposalId, action: 'apply' }
      })
    }
  }
}

export type BillingApprovals = ReturnType<typeof createBillingApproval>
