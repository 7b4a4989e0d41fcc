import { z } from 'zod'
import { invalidParams, methodNotFound } from '../rpcErrors.js'
import type { SimCompany, SimEndpoint } from '../state.js'
import { method, paged, scopedCompany, type CallContext, type MethodDef } from './context.js'

/**
 * The `network` API (docs/platforms/gravityzone.md#pagination, #companies): the one-level company
 * list (not paginated: page/perPage are refused), the paginated inventory and endpoint lists
 * (perPage ≤ 100 on v1.0, ≤ 1000 on v1.1), and endpoint details with the endpoint's companyId.
 */

/** Inventory item type codes: 5 computer per the doc; 1 for a company is inferred from a community note. */
export const inventoryType = { company: 1, computer: 5 } as const

const CompanyIdParam = z.string().min(1)

const pageParams = (ctx: CallContext, p: { page?: number | undefined; perPage?: number | undefined }) => {
  const max = ctx.version === 'v1.0' ? 100 : 1000
  const perPage = p.perPage ?? 30
  if (perPage > max) throw invalidParams("Invalid value for 'perPage'")
  return { page: p.page ?? 1, perPage }
}
const Paging = { page: z.number().int().min(1).optional(), perPage: z.number().int().min(1).optional() }

/** No `details`: the doc describes them for computers and virtual machines only, not for companies. */
const companyItem = (c: SimCompany) => ({
  id: c.id,
  name: c.name,
  type: inventoryType.company,
  parentId: c.parentId,
  companyId: c.id
})

/** On-premises pages of these methods require `network/computers` or `network/virtualmachines` (77212-…). */
const needsService = (ctx: CallContext, name: string) => {
  if (ctx.sim.options.flavour !== 'on-premises') return
  if (ctx.service === 'computers' || ctx.service === 'virtualmachines') return
  throw methodNotFound(
    `Method '${name}' requires a service in the API URL (network/computers or network/virtualmachines).`
  )
}

/** The fields both listings share (BD-DOC 77212-128494's `details`; fixture gz-getEndpointsList-response.json). */
const endpointFields = (e: SimEndpoint) => ({
  label: e.label,
  fqdn: e.fqdn,
  groupId: e.companyId,
  isManaged: e.isManaged,
  machineType: 1,
  operatingSystemVersion: e.os,
  ip: e.ip,
  macs: e.macs,
  ssid: e.ssid,
  managedWithBest: e.product === 'BEST'
})

/** An inventory item names its company (`companyId` in BD-DOC 77212-128494's example). */
const endpointItem = (e: SimEndpoint) => ({
  id: e.id,
  name: e.name,
  type: inventoryType.computer,
  parentId: e.companyId,
  companyId: e.companyId,
  details: endpointFields(e)
})

/** A getEndpointsList item has no `companyId` (the published example has none). */
const endpointListItem = (e: SimEndpoint) => ({ id: e.id, name: e.name, ...endpointFields(e) })

/** The parent and, when recursive, every company below it. */
const companiesUnder = (ctx: CallContext, parent: SimCompany, recursive: boolean): SimCompany[] =>
  recursive ? ctx.sim.state.companies.descendantsOf(parent.id) : ctx.sim.state.companies.childrenOf(parent.id)

export const networkMethods: Record<string, MethodDef> = {
  getCompaniesList: method({
    tier: 'general',
    params: z.strictObject({
      parentId: CompanyIdParam.optional(),
      filters: z
        .strictObject({
          companyType: z.union([z.literal(0), z.literal(1)]).optional(),
          licenseType: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional()
        })
        .optional()
    }),
    handler: (ctx, p) => {
      const parent = scopedCompany(ctx, p.parentId, 'parentId')
      // A customer company cannot have children: live tenants answer -32602
      // (docs/platforms/gravityzone.md#companies).
      if (parent.type !== 0) throw invalidParams("Invalid value for 'parentId'")
      return ctx.sim.state.companies
        .childrenOf(parent.id)
        .filter(
          (c) =>
            (p.filters?.companyType === undefined || c.type === p.filters.companyType) &&
            (p.filters?.licenseType === undefined || c.licenseType === p.filters.licenseType)
        )
        .map((c) => ({ id: c.id, name: c.name }))
    }
  }),
  getNetworkInventoryItems: method({
    tier: 'general',
    versions: ['v1.0', 'v1.1'],
    params: z.strictObject({
      parentId: CompanyIdParam.optional(),
      filters: z
        .strictObject({
          type: z
            .strictObject({
              companies: z.boolean().optional(),
              computers: z.boolean().optional(),
              virtualMachines: z.boolean().optional()
            })
            .optional(),
          depth: z.strictObject({ allItemsRecursively: z.boolean().optional() }).optional()
        })
        .optional(),
      ...Paging
    }),
    handler: (ctx, p) => {
      needsService(ctx, 'getNetworkInventoryItems')
      const { page, perPage } = pageParams(ctx, p)
      const parent = scopedCompany(ctx, p.parentId, 'parentId')
      const types = p.filters?.type
      const wantAll = !types || Object.values(types).every((v) => v !== true)
      const recursive = p.filters?.depth?.allItemsRecursively === true
      const companies = companiesUnder(ctx, parent, recursive)
      const items = [
        ...(wantAll || types?.companies ? companies.map(companyItem) : []),
        ...(wantAll || types?.computers
          ? [parent, ...(recursive ? companies : [])]
              .flatMap((c) => ctx.sim.state.endpoints.ofCompany(c.id))
              .map(endpointItem)
          : [])
      ]
      return paged(items, page, perPage)
    }
  }),
  getEndpointsList: method({
    tier: 'general',
    versions: ['v1.0', 'v1.1'],
    params: z.strictObject({
      parentId: CompanyIdParam.optional(),
      isManaged: z.boolean().optional(),
      filters: z
        .strictObject({ depth: z.strictObject({ allItemsRecursively: z.boolean().optional() }).optional() })
        .optional(),
      ...Paging
    }),
    handler: (ctx, p) => {
      needsService(ctx, 'getEndpointsList')
      const { page, perPage } = pageParams(ctx, p)
      const parent = scopedCompany(ctx, p.parentId, 'parentId')
      const recursive = p.filters?.depth?.allItemsRecursively === true
      const endpoints = [parent, ...(recursive ? companiesUnder(ctx, parent, true) : [])]
        .flatMap((c) => ctx.sim.state.endpoints.ofCompany(c.id))
        .filter((e) => p.isManaged === undefined || e.isManaged === p.isManaged)
      return paged(endpoints.map(endpointListItem), page, perPage)
    }
  }),
  getManagedEndpointDetails: method({
    tier: 'general',
    params: z.strictObject({ endpointId: z.string().min(1) }),
    handler: (ctx, p) => {
      needsService(ctx, 'getManagedEndpointDetails')
      const endpoint = ctx.sim.state.endpoints.get(p.endpointId)
      if (!endpoint || !ctx.sim.state.companies.isWithin(endpoint.companyId, ctx.key.companyId))
        throw invalidParams("Invalid value for 'endpointId'")
      // The fields of the published example (BD-DOC 77211-128484; php-gravityzone-api fixture), no others.
      return {
        id: endpoint.id,
        name: endpoint.name,
        companyId: endpoint.companyId,
        operatingSystem: endpoint.os,
        state: 1,
        ip: endpoint.ip,
        lastSeen: endpoint.lastSeen,
        machineType: 1,
        agent: {
          engineVersion: '7.97136',
          primaryEngine: 1,
          lastUpdate: endpoint.lastSeen,
          licensed: 1,
          productOutdated: false,
          productVersion: '7.9.9.381',
          signatureOutdated: false
        },
        group: { id: endpoint.companyId, name: 'Custom Groups' },
        malwareStatus: { detection: false, infected: false },
        label: endpoint.name
      }
    }
  })
}
