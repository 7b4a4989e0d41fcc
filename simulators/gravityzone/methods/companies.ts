import { z } from 'zod'
import { invalidParams } from '../rpcErrors.js'
import { SimStateError, type SimCompany } from '../state.js'
import { method, scopedCompany, type CallContext, type MethodDef } from './context.js'

/**
 * The `companies` API (docs/platforms/gravityzone.md#companies): details, search by name, and the
 * writes that change the tree (create, update, suspend, activate, delete). Writes sit in the
 * 5 req/s tier.
 */

/** A company object as getCompanyDetails answers it; `contactPerson` on partner companies only. */
export const companyObject = (c: SimCompany) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  address: c.address,
  phone: c.phone,
  country: c.country,
  state: c.state,
  industry: c.industry,
  canBeManagedByAbove: c.canBeManagedByAbove,
  enforce2FA: c.enforce2FA,
  skip2FAPeriod: c.skip2FAPeriod,
  isSuspended: c.isSuspended,
  createdAt: c.createdAt,
  parentCompanyId: c.parentId,
  ...(c.type === 0
    ? {
        contactPerson: { fullName: `${c.name} Admin`, email: `admin@${c.id.slice(0, 8)}.example`, phoneNumber: c.phone }
      }
    : {})
})

const CompanyIdParam = z.string().min(1)

/** The target of a write must be inside the key's tree and not the key's own company. */
const writable = (ctx: CallContext, id: string): SimCompany => {
  const company = scopedCompany(ctx, id)
  if (company.id === ctx.key.companyId) throw invalidParams("Invalid value for 'companyId'")
  return company
}

/** State errors become "Invalid params" with the state's own wording. */
const asRpc = <T>(change: () => T): T => {
  try {
    return change()
  } catch (error) {
    if (error instanceof SimStateError) throw invalidParams(error.message)
    throw error
  }
}

export const companiesMethods: Record<string, MethodDef> = {
  getCompanyDetails: method({
    tier: 'general',
    params: z.strictObject({ companyId: CompanyIdParam.optional() }),
    handler: (ctx, p) => companyObject(scopedCompany(ctx, p.companyId))
  }),
  findCompaniesByName: method({
    tier: 'general',
    params: z.strictObject({ nameFilter: z.string(), maxResults: z.number().int().min(1).max(100).optional() }),
    handler: (ctx, p) => {
      // Prefix match; a leading `*` means "contains" (77211-126241).
      const contains = p.nameFilter.startsWith('*')
      const needle = (contains ? p.nameFilter.slice(1) : p.nameFilter).toLowerCase()
      return ctx.sim.state.companies
        .descendantsOf(ctx.key.companyId)
        .filter((c) => (contains ? c.name.toLowerCase().includes(needle) : c.name.toLowerCase().startsWith(needle)))
        .slice(0, p.maxResults ?? 25)
        .map(companyObject)
    }
  }),
  createCompany: method({
    tier: 'licensing',
    params: z.strictObject({
      type: z.union([z.literal(0), z.literal(1)]),
      name: z.string(),
      parentId: CompanyIdParam.optional(),
      address: z.string().optional(),
      country: z.string().optional(),
      state: z.string().optional(),
      phone: z.string().optional(),
      industry: z.number().int().optional(),
      canBeManagedByAbove: z.boolean().optional(),
      enforce2FA: z.boolean().optional(),
      licenseSubscription: z
        .looseObject({
          type: z.number().int().min(1).max(6).optional(),
          minimumUsage: z.number().int().min(0).optional()
        })
        .optional(),
      accounts: z.array(z.unknown()).optional()
    }),
    handler: (ctx, p) => {
      const parent = scopedCompany(ctx, p.parentId, 'parentId')
      const { licenseSubscription, accounts: _accounts, ...fields } = p
      const subscription = licenseSubscription?.type ?? 3
      const created = asRpc(() =>
        ctx.sim.state.companies.create({
          ...fields,
          parentId: parent.id,
          licenseType: subscription === 2 ? 2 : subscription === 3 ? 3 : 1
        })
      )
      ctx.sim.state.usage.setLicence(created.id, {
        subscriptionType: subscription,
        ...(licenseSubscription?.minimumUsage
          ? { minimumUsage: { endpointMonthlyUsage: licenseSubscription.minimumUsage } }
          : {})
      })
      return created.id
    }
  }),
  updateCompanyDetails: method({
    tier: 'licensing',
    params: z.strictObject({
      companyId: CompanyIdParam,
      name: z.string().optional(),
      address: z.string().optional(),
      phone: z.string().optional(),
      country: z.string().optional(),
      state: z.string().optional(),
      industry: z.number().int().optional(),
      canBeManagedByAbove: z.boolean().optional(),
      enforce2FA: z.boolean().optional()
    }),
    handler: (ctx, { companyId, ...changes }) => {
      asRpc(() => ctx.sim.state.companies.update(writable(ctx, companyId).id, changes))
      return null
    }
  }),
  suspendCompany: method({
    tier: 'licensing',
    params: z.strictObject({ companyId: CompanyIdParam, recursive: z.boolean().optional() }),
    handler: (ctx, p) => (ctx.sim.state.companies.setSuspended(writable(ctx, p.companyId).id, true, p.recursive), null)
  }),
  activateCompany: method({
    tier: 'licensing',
    params: z.strictObject({ companyId: CompanyIdParam, recursive: z.boolean().optional() }),
    handler: (ctx, p) => (ctx.sim.state.companies.setSuspended(writable(ctx, p.companyId).id, false, p.recursive), null)
  }),
  deleteCompany: method({
    tier: 'licensing',
    params: z.strictObject({ companyId: CompanyIdParam }),
    handler: (ctx, p) => (asRpc(() => ctx.sim.state.companies.delete(writable(ctx, p.companyId).id)), null)
  })
}
