import { z } from 'zod'
import { usageMonth } from '../../../src/platforms/gravityzone/usage.js'
import type { Counters } from '../usageState.js'
import { method, scopedCompany, type CallContext, type MethodDef } from './context.js'

/**
 * The `licensing` API (docs/platforms/gravityzone.md#monthly-usage): monthly usage (own plus
 * sub-companies, the full counter set with zeros, `minimumUsage`), usage per product type, and
 * licence info (one object, as live tenants answer; an array with `returnAllProducts`).
 */

/** `mm/yyyy` only: other formats are "Invalid params" on live tenants (docs/platforms/gravityzone.md#monthly-usage). */
const TargetMonth = z.string().regex(/^(0[1-9]|1[0-2])\/\d{4}$/)

const spelled = (ctx: CallContext, counters: Counters): Counters => {
  if (!ctx.sim.options.misspeltALaCarte) return counters
  const { aLaCarteMonthlyUsage, ...rest } = counters
  return { ...rest, aLaCarteMonhtlyUsage: aLaCarteMonthlyUsage ?? 0 }
}

const monthOf = (ctx: CallContext, targetMonth: string | undefined) => targetMonth ?? usageMonth(ctx.sim.clock.now())

const UsageParams = {
  companyId: z.string().min(1).optional(),
  targetMonth: TargetMonth.optional()
}

/** Endpoints of the company and everything below it: what a licence's usedSlots counts. */
const endpointsUnder = (ctx: CallContext, companyId: string): number =>
  [companyId, ...ctx.sim.state.companies.descendantsOf(companyId).map((c) => c.id)].reduce(
    (n, id) => n + ctx.sim.state.endpoints.ofCompany(id).length,
    0
  )

const licenceObject = (ctx: CallContext, companyId: string) => {
  const licence = ctx.sim.state.usage.licence(companyId)
  return {
    subscriptionType: licence.subscriptionType,
    isAddon: false,
    expiryDate: licence.expiryDate,
    usedSlots: endpointsUnder(ctx, companyId),
    totalSlots: licence.totalSlots,
    licenseKey: licence.licenseKey,
    endSubscription: licence.endSubscription,
    autoRenewPeriod: licence.autoRenewPeriod,
    ...licence.addons
  }
}

export const licensingMethods: Record<string, MethodDef> = {
  getMonthlyUsage: method({
    tier: 'licensing',
    params: z.strictObject({
      ...UsageParams,
      productType: z.union([z.literal(0), z.literal(3), z.literal(5)]).optional(),
      usageCoverageType: z.literal(3).optional(),
      companyRegistrationStartDate: z.string().optional(),
      companyRegistrationEndDate: z.string().optional()
    }),
    handler: (ctx, p) => {
      const company = scopedCompany(ctx, p.companyId)
      const counters = ctx.sim.state.usage.total(company.id, monthOf(ctx, p.targetMonth), p.productType ?? 0)
      return { ...spelled(ctx, counters), minimumUsage: ctx.sim.state.usage.licence(company.id).minimumUsage }
    }
  }),
  getMonthlyUsagePerProductType: method({
    tier: 'licensing',
    params: z.strictObject(UsageParams),
    handler: (ctx, p) => {
      const company = scopedCompany(ctx, p.companyId)
      const month = monthOf(ctx, p.targetMonth)
      return {
        usages: ctx.sim.state.usage.productTypes(company.id, month).map((productType) => ({
          productType,
          ...spelled(ctx, ctx.sim.state.usage.total(company.id, month, productType))
        }))
      }
    }
  }),
  getLicenseInfo: method({
    tier: 'licensing',
    params: z.strictObject({ companyId: z.string().min(1).optional(), returnAllProducts: z.boolean().optional() }),
    handler: (ctx, p) => {
      const info = licenceObject(ctx, scopedCompany(ctx, p.companyId).id)
      return p.returnAllProducts ? [info] : info
    }
  })
}
