import type { GravityZoneClient } from '../../platforms/gravityzone/client.js'
import { previousUsageMonth, usageMonth } from '../../platforms/gravityzone/usage.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { Planner } from './plan.js'
import { previewOf } from './preview.js'
import { createReconciliation } from './reconciliation.js'
import type { UsageReader } from './usageReader.js'
import type { BillingApprovals } from './approval.js'

/**
 * What the billing routes ask for (routes/billing.ts): the preview and the reconciliation of a
 * month, each with the platform calls it took, and the proposals with their approval.
 */

type Calls = { gravityzone: number; halopsa: number }

export const createBillingReports = (deps: {
  plan: Planner
  usage: UsageReader
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  approvals: BillingApprovals
  unmappedLimit?: number
  now?: () => Date
}) => {
  const now = deps.now ?? (() => new Date())
  const reconcile = createReconciliation({
    gravityzone: deps.gravityzone,
    usage: deps.usage,
    ...(deps.unmappedLimit !== undefined ? { unmappedLimit: deps.unmappedLimit } : {})
  })
  /** The calls made while `work` ran (others' calls meanwhile included). */
  const counted = async <T>(work: () => Promise<T>): Promise<T & { calls: Calls }> => {
    const gz = deps.gravityzone.stats().transport.calls ?? 0
    const halo = deps.halopsa.stats().calls
    const result = await work()
    return {
      ...result,
      calls: {
        gravityzone: (deps.gravityzone.stats().transport.calls ?? 0) - gz,
        halopsa: deps.halopsa.stats().calls - halo
      }
    }
  }
  return {
    /** The month billing runs for by default (the one before the current one, UTC). */
    lastMonth: () => previousUsageMonth(usageMonth(now())),
    preview: (month: string) => counted(async () => previewOf(await deps.plan(month))),
    reconciliation: (month: string) => counted(async () => reconcile(await deps.plan(month))),
    proposals: deps.approvals.list,
    approve: deps.approvals.approve
  }
}

export type BillingReports = ReturnType<typeof createBillingReports>
