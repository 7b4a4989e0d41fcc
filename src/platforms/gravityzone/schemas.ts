import { z } from 'zod'

/**
 * Response shapes of the GravityZone Public API calls the relay makes
 * (docs/platforms/gravityzone.md#calls-the-relay-makes). Loose objects throughout: GravityZone adds
 * fields over time and a new field must not break billing. Only what the relay reads is required.
 */

/**
 * A JSON-RPC answer: `{id, jsonrpc, result}` or
 * `{id, jsonrpc, error: {code, message, data: {details}}}`
 * (docs/platforms/gravityzone.md#responses-and-errors).
 */
const RpcErrorObject = z.looseObject({
  code: z.number().int(),
  message: z.string().optional(),
  data: z.looseObject({ details: z.unknown().optional() }).nullable().optional()
})
export const RpcResponse = z.looseObject({
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  jsonrpc: z.string().optional(),
  result: z.unknown().optional(),
  error: RpcErrorObject.nullable().optional()
})

export const ApiKeyDetails = z.looseObject({ enabledApis: z.array(z.string()), createdAt: z.string().optional() })
export type ApiKeyDetails = z.infer<typeof ApiKeyDetails>

/** getCompaniesList: `{id, name}` only (docs/platforms/gravityzone.md#companies). */
export const CompanyRef = z.looseObject({ id: z.string(), name: z.string() })
export type CompanyRef = z.infer<typeof CompanyRef>

/** 0 partner, 1 customer (docs/platforms/gravityzone.md#companies). */
const CompanyType = z.union([z.literal(0), z.literal(1)])

/**
 * getCompanyDetails / findCompaniesByName (docs/platforms/gravityzone.md#companies);
 * `country`/`state` may be "N/A".
 */
export const Company = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: CompanyType,
  isSuspended: z.boolean().optional(),
  address: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  country: z.string().nullable().optional(),
  state: z.string().nullable().optional(),
  industry: z.number().nullable().optional(),
  canBeManagedByAbove: z.boolean().optional(),
  createdAt: z.string().optional(),
  parentCompanyId: z.string().nullable().optional(),
  contactPerson: z.looseObject({}).nullable().optional()
})
export type Company = z.infer<typeof Company>

/** A page of a paginated list (docs/platforms/gravityzone.md#pagination). */
export const page = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    page: z.number().int(),
    pagesCount: z.number().int(),
    perPage: z.number().int(),
    total: z.number().int(),
    items: z.array(item)
  })
export type Page<T> = { page: number; pagesCount: number; perPage: number; total: number; items: T[] }

/**
 * getNetworkInventoryItems item (docs/platforms/gravityzone.md#companies); numeric `type` codes
 * beyond 5/6 are inferred, not documented.
 */
export const InventoryItem = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.number().int(),
  parentId: z.string().nullable().optional(),
  companyId: z.string().nullable().optional(),
  details: z.looseObject({}).nullable().optional()
})
export type InventoryItem = z.infer<typeof InventoryItem>

/** Text GravityZone may send as null or leave out; read as absent. */
const maybeText = z.string().nullish()

/**
 * The fields asset matching reads, on getEndpointsList items and on the `details` of computer and
 * virtual machine inventory items (BD-DOC 77212-128494: label, fqdn, ip, macs, ssid — the latter the
 * Active Directory SID; fixtures `gz-getEndpointsList-response.json`,
 * `gz-getNetworkInventoryItems-response-v1.0.json`).
 */
export const EndpointIdentity = z.looseObject({
  label: maybeText,
  fqdn: maybeText,
  ip: maybeText,
  macs: z.array(z.string()).nullish(),
  ssid: maybeText
})

export const EndpointListItem = z.looseObject({
  id: z.string(),
  name: z.string(),
  companyId: z.string().nullable().optional(),
  isManaged: z.boolean().optional(),
  ...EndpointIdentity.shape
})
export type EndpointListItem = z.infer<typeof EndpointListItem>

/**
 * getManagedEndpointDetails: the relay needs `companyId` to place events that lack one
 * (docs/platforms/gravityzone.md#endpoints).
 */
export const ManagedEndpointDetails = z.looseObject({ id: z.string(), name: z.string(), companyId: z.string() })
export type ManagedEndpointDetails = z.infer<typeof ManagedEndpointDetails>

/** getMonthlyUsage: a flat record of counters plus `minimumUsage` (docs/platforms/gravityzone.md#monthly-usage). */
export const RawMonthlyUsage = z.record(z.string(), z.unknown())
export const RawUsagePerProductType = z.looseObject({ usages: z.array(z.record(z.string(), z.unknown())) })

/**
 * getLicenseInfo (docs/platforms/gravityzone.md#other-calls-in-the-client): the doc says an array,
 * live tenants answer one object.
 */
export const LicenseInfo = z.looseObject({
  subscriptionType: z.number().int().optional(),
  isAddon: z.boolean().optional(),
  expiryDate: z.string().nullable().optional(),
  usedSlots: z.number().nullable().optional(),
  totalSlots: z.number().nullable().optional(),
  licenseKey: z.string().nullable().optional(),
  endSubscription: z.string().nullable().optional(),
  autoRenewPeriod: z.number().nullable().optional()
})
export type LicenseInfo = z.infer<typeof LicenseInfo>
export const LicenseInfoResult = z.union([z.array(LicenseInfo), LicenseInfo])

/**
 * Push settings (docs/platforms/gravityzone.md#push-settings). `subscribeToEventTypes` is an object
 * map in practice, not the documented array.
 */
const PushServiceSettings = z.looseObject({
  url: z.string().optional(),
  requireValidSslCertificate: z.boolean().optional(),
  authorization: z.string().optional(),
  splunkAuthorization: z.string().optional()
})
export const PushEventSettings = z.looseObject({
  status: z.union([z.literal(0), z.literal(1)]),
  serviceType: z.string().nullable().optional(),
  serviceSettings: PushServiceSettings.nullable().optional(),
  subscribeToEventTypes: z.record(z.string(), z.boolean()).nullable().optional(),
  subscribeToCompanies: z.array(z.string()).nullable().optional()
})
export type PushEventSettings = z.infer<typeof PushEventSettings>

/** What setPushEventSettings takes (docs/platforms/gravityzone.md#push-settings). */
export const PushEventSettingsInput = z.object({
  status: z.union([z.literal(0), z.literal(1)]),
  serviceType: z.enum(['jsonRPC', 'splunk', 'cef']),
  serviceSettings: z.object({
    url: z.url(),
    requireValidSslCertificate: z.boolean(),
    authorization: z.string().optional(),
    splunkAuthorization: z.string().optional()
  }),
  subscribeToEventTypes: z.record(z.string(), z.boolean()),
  subscribeToCompanies: z.array(z.string()).min(1).optional()
})
export type PushEventSettingsInput = z.infer<typeof PushEventSettingsInput>

/** The counters behind the switch-off (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries). */
export const PushEventStats = z.looseObject({
  count: z.looseObject({
    events: z.number(),
    testEvents: z.number(),
    sentMessages: z.number(),
    errorMessages: z.number()
  }),
  error: z.looseObject({
    configurationError: z.number(),
    connectionError: z.number(),
    serviceError: z.number(),
    statusCode2xx: z.number(),
    statusCode300: z.number(),
    statusCode400: z.number(),
    statusCode500: z.number(),
    timeout: z.number()
  }),
  lastUpdateTime: z.string().nullable().optional()
})
export type PushEventStats = z.infer<typeof PushEventStats>

export const TestPushEventResult = z.record(z.string(), z.unknown())
