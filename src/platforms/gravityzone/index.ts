/**
 * GravityZone, as the relay's services use it: the Public API client, the push payload knowledge the
 * webhook receiver needs, and the module catalogue. The simulator lives in ./simulator/ and is
 * imported by tests and the demo only (`startGravityZoneSimulator` from ./simulator/server.js).
 */
export { createGravityZoneClient } from './client.js'
export type {
  CompaniesListParams,
  EndpointsListParams,
  GravityZoneClient,
  GravityZoneClientOptions,
  InventoryItemsParams,
  UsageParams
} from './client.js'
export type { CompanyTreeNode, InventoryCompany } from './companyTree.js'
export { defaultBudgetLimits } from './rpc.js'
export type { Budget, BudgetLimit, BudgetLimits } from './rpc.js'
export type {
  ApiKeyDetails,
  Company,
  CompanyRef,
  EndpointListItem,
  InventoryItem,
  LicenseInfo,
  ManagedEndpointDetails,
  Page,
  PushEventSettings,
  PushEventSettingsInput,
  PushEventStats
} from './schemas.js'
export { canonicalCounterName, isUsageMonth, previousUsageMonth, usageMonth } from './usage.js'
export type { MonthlyUsage, ProductTypeUsage, UsageCounters } from './usage.js'

export { AddEventsEnvelope, parsePushDelivery, pushAuthorizationCheck, pushMd5, verifyPushAuthorization, verifyPushMd5 } from './push.js'
export type { ParsedPushDelivery, PushDelivery, PushDeliveryError } from './push.js'
export { canonicalJson, classifyPushEvent, classifyPushEvents, pushEventKey, threatKeyOf } from './pushEvents.js'
export type { ClassifiedPushEvent, InvalidPushEvent, PlatformPushEvent, PushEvent, SecurityPushEvent } from './pushEvents.js'
export { parseEventTime } from './pushEventFields.js'
export { isSecurityModule, knownModules, platformModules, securityModules } from './modules.js'
export type { PlatformModule, SecurityModule } from './modules.js'
