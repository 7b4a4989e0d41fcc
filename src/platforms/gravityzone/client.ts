import { z } from 'zod'
import {
  inventoryCompany,
  pageThrough,
  walkCompanyTree,
  type CompanyTreeNode,
  type InventoryCompany
} from './companyTree.js'
import { isPlatformError } from '../transport/errors.js'
import { fromEndpointListItem, fromInventoryItem, type GzEndpoint } from './endpoints.js'
import { createRpcCaller, type Budget, type RpcCaller, type RpcCallerOptions } from './rpc.js'
import {
  ApiKeyDetails,
  Company,
  CompanyRef,
  EndpointListItem,
  InventoryItem,
  LicenseInfoResult,
  ManagedEndpointDetails,
  PushEventSettings,
  PushEventStats,
  RawMonthlyUsage,
  RawUsagePerProductType,
  TestPushEventResult,
  page,
  type LicenseInfo,
  type Page,
  type PushEventSettingsInput
} from './schemas.js'
import {
  normaliseMonthlyUsage,
  normaliseProductTypeUsage,
  usageMonth,
  type MonthlyUsage,
  type ProductTypeUsage
} from './usage.js'

/**
 * The GravityZone Public API client (docs/platforms/gravityzone.md#calls-the-relay-makes). Every
 * call is idempotent and retried on transient failures except `sendTestPushEvent` (each call pushes
 * one more event). `setPushEventSettings` replaces the whole configuration, so resending it is
 * safe; `resetPushEventStats` zeroes counters, which a resend does again.
 */

export type GravityZoneClientOptions = RpcCallerOptions

type CompaniesListParams = { parentId?: string; filters?: { companyType?: 0 | 1; licenseType?: 1 | 2 | 3 } }
type InventoryItemsParams = {
  parentId?: string
  filters?: {
    type?: { companies?: boolean; computers?: boolean; virtualMachines?: boolean }
    depth?: { allItemsRecursively?: boolean }
  }
  page?: number
  /** 1–100 on v1.0, 1–1000 on v1.1 (docs/platforms/gravityzone.md#pagination). */
  perPage?: number
}
type EndpointsListParams = { parentId?: string; isManaged?: boolean; page?: number; perPage?: number }
export type UsageParams = { companyId?: string; targetMonth?: string }

export type GravityZoneClient = {
  getApiKeyDetails(): Promise<ApiKeyDetails>
  /** One level of the tree (not paginated). */
  getCompaniesList(params?: CompaniesListParams): Promise<CompanyRef[]>
  /** Every company under `rootId` (default: the key's own company), walking partner children. */
  walkCompanyTree(options?: { rootId?: string }): Promise<CompanyTreeNode[]>
  /** Default: the key's own company. A deleted or unknown id fails with kind `not_found`. */
  getCompanyDetails(companyId?: string): Promise<Company>
  findCompaniesByName(nameFilter: string, maxResults?: number): Promise<Company[]>
  getNetworkInventoryItems(params?: InventoryItemsParams, version?: 'v1.0' | 'v1.1'): Promise<Page<InventoryItem>>
  /** Every company under the key in ceil(N / perPage) calls: the inventory poll's listing. */
  listAllCompanies(options?: { parentId?: string; perPage?: number }): Promise<InventoryCompany[]>
  getEndpointsList(params?: EndpointsListParams, version?: 'v1.0' | 'v1.1'): Promise<Page<EndpointListItem>>
  /** Every endpoint of one company (getEndpointsList v1.1, `perPage` up to 1000): the asset directory's read. */
  listEndpoints(options: { parentId: string; perPage?: number }): Promise<GzEndpoint[]>
  /**
   * One page of every computer and virtual machine under the key, each with its `companyId`
   * (getNetworkInventoryItems v1.1): the asset directory's bulk read.
   */
  endpointInventoryPage(options: { page: number; perPage?: number }): Promise<Page<GzEndpoint>>
  getManagedEndpointDetails(endpointId: string): Promise<ManagedEndpointDetails>
  /** Counters of the default product type; `targetMonth` `MM/YYYY`, default the current month (UTC). */
  getMonthlyUsage(params?: UsageParams): Promise<MonthlyUsage>
  getMonthlyUsagePerProductType(params?: UsageParams): Promise<ProductTypeUsage[]>
  /** Always an array (live tenants answer one object, the doc says an array). */
  getLicenseInfo(params?: { companyId?: string; returnAllProducts?: boolean }): Promise<LicenseInfo[]>
  getPushEventSettings(): Promise<PushEventSettings>
  /**
   * GravityZone stores the settings or answers an error; what a success returns is not published
   * (G9), so any result is accepted: `acknowledged` is false, with the answer in a few words, when it
   * is none of `true`, `{success: true}` or null, for the caller to log.
   */
  setPushEventSettings(settings: PushEventSettingsInput): Promise<SetPushEventSettingsResult>
  sendTestPushEvent(eventType: string, data?: Record<string, unknown>): Promise<Record<string, unknown>>
  getPushEventStats(): Promise<PushEventStats>
  resetPushEventStats(): Promise<boolean>
  stats: RpcCaller['stats']
  close(): Promise<void>
}

const Acknowledged = z.union([z.boolean(), z.null()]).transform((value) => value !== false)

export type SetPushEventSettingsResult = { acknowledged: boolean; answer: string }

/** `true` (v1.1 setters), `{success: true}` (v1.0 setters) or null (updateCompanyDetails) acknowledge. */
const AnySetterResult = z.unknown().transform((value): SetPushEventSettingsResult => {
  const acknowledged =
    value === true ||
    value === null ||
    value === undefined ||
    (typeof value === 'object' && !Array.isArray(value) && (value as { success?: unknown }).success === true)
  const text = JSON.stringify(value) ?? 'undefined'
  return { acknowledged, answer: text.length > 120 ? `${text.slice(0, 120)}…` : text }
})

/**
 * The `<api>/<service>` path an on-premises Control Center requires for some network methods
 * (BD-DOC 77212-128484, 77212-128483); the cloud console serves them on `network` alone.
 */
const NETWORK_SERVICE = 'network/computers'

/** An answer that says the path does not serve the method (not that the endpoint is missing). */
const wrongPath = (error: unknown): boolean =>
  isPlatformError(error) &&
  (error.rpcCode === -32601 ||
    (error.status === 404 && error.rpcCode === undefined) ||
    /\bservice\b/i.test(String(error.details ?? '')))

const defined = <T extends Record<string, unknown>>(params: T): Partial<T> =>
  Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as Partial<T>

export const createGravityZoneClient = (options: GravityZoneClientOptions): GravityZoneClient => {
  const rpc = createRpcCaller(options)
  const now = () => options.clock?.now() ?? Date.now()
  /** Where the endpoint methods are served: `network` until an answer shows the service segment is needed. */
  let endpointApi = 'network'
  const read = <T>(
    api: string,
    method: string,
    budget: Budget,
    result: z.ZodType<T>,
    params: Record<string, unknown> = {},
    extra: { targets?: string[]; version?: 'v1.0' | 'v1.1' } = {}
  ) => rpc.call({ api, method, budget, result, params: defined(params), idempotent: true, ...extra })

  const getCompaniesList = (params: CompaniesListParams = {}) =>
    read('network', 'getCompaniesList', 'general', z.array(CompanyRef), params, { targets: ['parentId'] })
  const getNetworkInventoryItems = (params: InventoryItemsParams = {}, version: 'v1.0' | 'v1.1' = 'v1.1') =>
    read('network', 'getNetworkInventoryItems', 'general', page(InventoryItem), params, {
      targets: ['parentId'],
      version
    })

  return {
    getApiKeyDetails: () => read('general', 'getApiKeyDetails', 'general', ApiKeyDetails),
    getCompaniesList,
    walkCompanyTree: ({ rootId } = {}) =>
      walkCompanyTree(
        (parentId, partnersOnly) =>
          getCompaniesList({
            ...(parentId !== undefined ? { parentId } : {}),
            ...(partnersOnly ? { filters: { companyType: 0 } } : {})
          }),
        rootId
      ),
    getCompanyDetails: (companyId) =>
      read('companies', 'getCompanyDetails', 'general', Company, { companyId }, { targets: ['companyId'] }),
    findCompaniesByName: (nameFilter, maxResults) =>
      read('companies', 'findCompaniesByName', 'general', z.array(Company), { nameFilter, maxResults }),
    getNetworkInventoryItems,
    listAllCompanies: async ({ parentId, perPage = 1000 } = {}) => {
      const items = await pageThrough((p) =>
        getNetworkInventoryItems({
          ...(parentId !== undefined ? { parentId } : {}),
          filters: { type: { companies: true }, depth: { allItemsRecursively: true } },
          page: p,
          perPage
        })
      )
      return items.map(inventoryCompany)
    },
    getEndpointsList: (params = {}, version = 'v1.1') =>
      read('network', 'getEndpointsList', 'general', page(EndpointListItem), params, {
        targets: ['parentId'],
        version
      }),
    listEndpoints: async ({ parentId, perPage = 1000 }) =>
      (
        await pageThrough((p) =>
          read(
            'network',
            'getEndpointsList',
            'general',
            page(EndpointListItem),
            { parentId, page: p, perPage },
            {
              targets: ['parentId'],
              version: 'v1.1'
            }
          )
        )
      ).map(fromEndpointListItem),
    endpointInventoryPage: async ({ page: p, perPage = 1000 }) => {
      const answer = await getNetworkInventoryItems({
        filters: { type: { computers: true, virtualMachines: true }, depth: { allItemsRecursively: true } },
        page: p,
        perPage
      })
      // Only computers and virtual machines were asked for; their type codes differ between versions (2, 5).
      return { ...answer, items: answer.items.map(fromInventoryItem) }
    },
    getManagedEndpointDetails: async (endpointId) => {
      const details = (api: string) =>
        read(
          api,
          'getManagedEndpointDetails',
          'general',
          ManagedEndpointDetails,
          { endpointId },
          {
            targets: ['endpointId']
          }
        )
      try {
        return await details(endpointApi)
      } catch (error) {
        if (endpointApi === NETWORK_SERVICE || !wrongPath(error)) throw error
        // An on-premises Control Center: ask again with the service segment and keep it if it answers.
        const answer = await details(NETWORK_SERVICE).catch((retry: unknown) => {
          throw wrongPath(retry) ? error : retry
        })
        endpointApi = NETWORK_SERVICE
        return answer
      }
    },
    getMonthlyUsage: async ({ companyId, targetMonth = usageMonth(now()) } = {}) => {
      const raw = await read(
        'licensing',
        'getMonthlyUsage',
        'licensing',
        RawMonthlyUsage,
        { companyId, targetMonth },
        { targets: ['companyId'] }
      )
      return normaliseMonthlyUsage(raw, targetMonth)
    },
    getMonthlyUsagePerProductType: async ({ companyId, targetMonth = usageMonth(now()) } = {}) => {
      const raw = await read(
        'licensing',
        'getMonthlyUsagePerProductType',
        'licensing',
        RawUsagePerProductType,
        { companyId, targetMonth },
        { targets: ['companyId'] }
      )
      return raw.usages.map((usage) => normaliseProductTypeUsage(usage, targetMonth))
    },
    getLicenseInfo: async (params = {}) => {
      const result = await read('licensing', 'getLicenseInfo', 'licensing', LicenseInfoResult, params, {
        targets: ['companyId']
      })
      return Array.isArray(result) ? result : [result]
    },
    getPushEventSettings: () => read('push', 'getPushEventSettings', 'push', PushEventSettings),
    setPushEventSettings: (settings) =>
      rpc.call({
        api: 'push',
        method: 'setPushEventSettings',
        budget: 'push',
        result: AnySetterResult,
        params: settings,
        idempotent: true
      }),
    sendTestPushEvent: (eventType, data) =>
      rpc.call({
        api: 'push',
        method: 'sendTestPushEvent',
        budget: 'push',
        result: TestPushEventResult,
        params: defined({ eventType, data }),
        idempotent: false
      }),
    getPushEventStats: () => read('push', 'getPushEventStats', 'push', PushEventStats),
    resetPushEventStats: () => read('push', 'resetPushEventStats', 'push', Acknowledged),
    stats: () => rpc.stats(),
    close: () => rpc.close()
  }
}
