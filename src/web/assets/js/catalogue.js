// Names the dashboard shows. Ids are the API's (docs/integration-events.md#the-nine-events);
// titles are the vendor's Events page.

export const categories = [
  { id: 'mapping', label: 'Mapping' },
  { id: 'billing', label: 'Billing' },
  { id: 'ticketing', label: 'Ticketing' },
  { id: 'connection', label: 'Connection' }
]

export const eventTypes = [
  { id: 'gravityzone-company-not-found', category: 'mapping', title: 'GravityZone company not found' },
  { id: 'company-and-client-not-found', category: 'mapping', title: 'Company & client not found' },
  { id: 'halopsa-client-not-found', category: 'mapping', title: 'HaloPSA client not found' },
  { id: 'recurring-invoice-missing', category: 'billing', title: 'Recurring invoice missing' },
  { id: 'halopsa-item-missing', category: 'billing', title: 'HaloPSA item missing' },
  { id: 'ticket-creation-failed', category: 'ticketing', title: 'Ticketing creation issue' },
  { id: 'invalid-ticketing-configuration', category: 'ticketing', title: 'Invalid ticketing configuration' },
  { id: 'ticket-closure-failed', category: 'ticketing', title: 'Ticketing closure failure' },
  { id: 'platform-unreachable', category: 'connection', title: 'Platform unreachable' }
]

/** The platforms a connection event names. */
export const platformLabels = { gravityzone: 'GravityZone', halopsa: 'HaloPSA' }

/** The button label of each action, as on the vendor's page ("OK" acknowledges). */
export const actionLabels = { recheck: 'Recheck', resolve: 'Resolve', acknowledge: 'OK' }
export const actionBusyLabels = { recheck: 'Rechecking…', resolve: 'Resolving…', acknowledge: 'Acknowledging…' }

/** GravityZone Event Push Service modules that report threats (docs/platforms/gravityzone.md#event-modules). */
export const securityModules = [
  { id: 'av', label: 'Antimalware' },
  { id: 'hd', label: 'HyperDetect' },
  { id: 'avc', label: 'Advanced Threat Control' },
  { id: 'aph', label: 'Antiphishing' },
  { id: 'fw', label: 'Firewall' },
  { id: 'dp', label: 'Data Protection' },
  { id: 'uc', label: 'User Control' },
  { id: 'antiexploit', label: 'Advanced Anti-Exploit' },
  { id: 'network-monitor', label: 'Network Attack Defense' },
  { id: 'network-sandboxing', label: 'Sandbox Analyzer' },
  { id: 'ransomware-mitigation', label: 'Ransomware Mitigation' },
  { id: 'new-incident', label: 'New Incident (EDR)' },
  { id: 'exchange-malware', label: 'Exchange Malware Detection' },
  { id: 'storage-antimalware', label: 'Storage Antimalware' },
  { id: 'device-control', label: 'Device Control' }
]

/** Common GravityZone usage counters (getMonthlyUsage fields); any counter name may be typed. */
export const usageCounters = [
  'endpointMonthlyUsage',
  'edrMonthlyUsage',
  'patchManagementMonthlyUsage',
  'emailSecurityMonthlyUsage',
  'encryptionMonthlyUsage',
  'exchangeMonthlyUsage',
  'mobileSecurityMonthlyUsage',
  'containerProtectionMonthlyUsage',
  'mspSecureMonthlyUsage',
  'mspSecurePlusMonthlyUsage',
  'mspSecureExtraMonthlyUsage',
  'mspSecureEssentialsMonthlyUsage',
  'aLaCarteMonthlyUsage',
  'mdrFoundationsMonthlyUsage',
  'mdrResponseMonthlyUsage',
  'atsMonthlyUsage',
  'complianceMonthlyUsage'
]

/** Fact types an operator filters the audit by most (docs/architecture.md#the-catalogue); any type may be typed. */
export const factTypes = [
  'MappingCreated',
  'MappingUpdated',
  'MappingDeleted',
  'BillingConfigured',
  'TicketingConfigured',
  'CompanyNotFound',
  'CompanyFound',
  'ClientDeleted',
  'ClientFound',
  'CompanyAndClientNotFound',
  'InvoiceMissing',
  'InvoiceFound',
  'RecurringInvoiceGenerated',
  'ItemMissing',
  'ItemFound',
  'UsageBilled',
  'BillingSkipped',
  'BillingRunCompleted',
  'SecurityEventReceived',
  'PlatformEventReceived',
  'PushEventInvalid',
  'TicketCreated',
  'TicketCreateFailed',
  'TicketNoteFailed',
  'TicketClosed',
  'TicketCloseFailed',
  'TicketingSkipped',
  'TicketingConfigInvalid',
  'TicketingConfigValid',
  'RecheckRequested',
  'RecheckCompleted',
  'EventAcknowledged',
  'HaloWebhookReceived',
  'HaloWebhookInvalid',
  'HaloWebhookRegistrationIncomplete',
  'HaloWebhookRegistrationComplete',
  'FactParked',
  'ParkedFactRetried',
  'PlatformUnreachable',
  'PlatformRecovered',
  'LeaseAcquired',
  'LeaseReleased'
]

/** Stream categories (src/domain/streams.ts). */
export const streamCategories = [
  'mappingRegistry',
  'mappingHealth',
  'billingConfig',
  'ticketingConfig',
  'integrationEvent',
  'gzDelivery',
  'haloDelivery',
  'ticket',
  'usage',
  'billingRun',
  'syncRun',
  'pushService',
  'haloWebhook',
  'parkedFacts',
  'platformHealth',
  'leadership'
]

export const mappingStatuses = {
  ok: { label: 'OK', tone: 'ok' },
  'has-events': { label: 'Has events', tone: 'warn' },
  suspended: { label: 'Suspended', tone: 'danger' }
}
