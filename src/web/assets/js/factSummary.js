// One line per fact for people ("Ticket #1042 created for Larkspur Florists — Trojan.Agent on
// WS-11"), with customer names instead of ids, and which facts are the relay's own bookkeeping.

import { platformLabels, securityModules } from './catalogue.js'

/** The relay's bookkeeping: checkpoints, platform checks and run records. The Audit hides them unless asked. */
export const systemFactTypes = [
  'ProcessorCheckpointed',
  'SyncRunCompleted',
  'BillingRunCompleted',
  'DirectoryChanged',
  'PushServiceChecked',
  'PushServiceRearmed',
  'PushSubscriptionKeysDropped',
  'TicketingConfigValid',
  'TicketCreationStarted',
  'HaloWebhookRegistrationComplete'
]

/**
 * Customer names by mapping id, GravityZone company id and HaloPSA client id, from the mappings
 * (GET /api/mappings) and from the facts seen (a deleted mapping's MappingCreated still names it).
 */
export const createNames = () => {
  const byMapping = new Map()
  const byCompany = new Map()
  const byClient = new Map()
  const learn = (d) => {
    const name = d?.halopsaClientName ?? d?.gravityzoneCompanyName
    if (!name) return
    const mappingId = d.mappingId ?? d.id
    if (mappingId) byMapping.set(mappingId, name)
    if (d.gravityzoneCompanyId) byCompany.set(d.gravityzoneCompanyId, name)
    if (d.halopsaClientId !== undefined) byClient.set(d.halopsaClientId, name)
  }
  return {
    learn,
    /** The customer a fact is about, or undefined. */
    of(fact) {
      const d = fact.data ?? {}
      if (fact.type === 'MappingCreated') learn(d)
      return (
        d.halopsaClientName ??
        d.gravityzoneCompanyName ??
        byMapping.get(d.mappingId) ??
        byCompany.get(d.companyId ?? d.gravityzoneCompanyId) ??
        byClient.get(d.halopsaClientId)
      )
    }
  }
}

const moduleLabel = (id) => securityModules.find((m) => m.id === id)?.label ?? id
const platform = (id) => platformLabels[id] ?? id
const words = (type) => type.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase())
const plural = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`

const lines = {
  MappingCreated: (d, c) => `Mapping created for ${c ?? 'a customer'}`,
  MappingUpdated: (d, c) => `Mapping of ${c ?? 'a customer'} changed`,
  MappingDeleted: (d, c) => `Mapping of ${c ?? 'a customer'} deleted`,
  BillingConfigured: (d, c) =>
    c
      ? `Billing of ${c} configured`
      : `Global billing: ${plural(Object.keys(d.items ?? {}).length, 'usage counter')} mapped`,
  TicketingConfigured: () => 'Ticketing configuration saved',
  TicketingConfigInvalid: (d) =>
    `Ticketing configuration invalid: ${(d.problems ?? []).map((p) => p.message).join('; ')}`,
  TicketingConfigValid: () => 'Ticketing configuration checked: valid',
  CompanyNotFound: (d, c) => `GravityZone company of ${c ?? 'a mapping'} not found`,
  CompanyFound: (d, c) => `GravityZone company of ${c ?? 'a mapping'} found again`,
  ClientDeleted: (d, c) =>
    `HaloPSA client ${c ?? `#${d.halopsaClientId}`} ${d.how === 'inactive' ? 'is inactive' : 'not found'}`,
  ClientFound: (d, c) => `HaloPSA client ${c ?? `#${d.halopsaClientId}`} found again`,
  CompanyAndClientNotFound: (d, c) => `Neither company nor client of ${c ?? 'a mapping'} found`,
  InvoiceMissing: (d, c) => `Recurring invoice of ${c ?? 'a customer'} missing`,
  InvoiceFound: (d, c) => `Recurring invoice of ${c ?? 'a customer'} found`,
  RecurringInvoiceGenerated: (d, c) => `Recurring invoice #${d.recurringInvoiceId} generated for ${c ?? 'a customer'}`,
  ItemMissing: (d) => `HaloPSA item #${d.itemId} missing (${d.scope} billing)`,
  ItemFound: (d) => `HaloPSA item #${d.itemId} found again`,
  UsageBilled: (d, c) => `Usage billed for ${c ?? 'a customer'}`,
  BillingSkipped: (d, c) => `Billing skipped for ${c ?? 'a customer'}${d.reason ? `: ${d.reason}` : ''}`,
  SecurityEventReceived: (d, c) =>
    `${d.threatName ?? moduleLabel(d.module)} on ${d.endpointName ?? 'an endpoint'}${c ? ` at ${c}` : ''}${d.isTest ? ' (test)' : ''}`,
  PlatformEventReceived: (d, c) => `GravityZone ${d.module} event${c ? ` for ${c}` : ''}`,
  TicketCreated: (d, c) => `Ticket #${d.ticketId} created for ${c ?? 'a customer'} — ${d.summary}`,
  TicketCreateFailed: (d, c) => `Ticket for ${c ?? 'a customer'} not created: ${d.message}`,
  TicketNoteAdded: (d) => `Note added to ticket #${d.ticketId}`,
  TicketNoteFailed: (d) => `Note not added to ticket #${d.ticketId}: ${d.message}`,
  TicketClosed: (d, c) => `Ticket #${d.ticketId} closed${c ? ` for ${c}` : ''}`,
  TicketCloseFailed: (d) => `Ticket #${d.ticketId} not closed: ${d.message}`,
  RecheckRequested: (d, c) => `Recheck asked${c ? ` for ${c}` : ''}`,
  RecheckCompleted: (d, c) => `Recheck ${d.outcome}${c ? ` for ${c}` : ''}${d.message ? `: ${d.message}` : ''}`,
  EventAcknowledged: (d, c) => `Event acknowledged (OK)${c ? ` for ${c}` : ''}`,
  PlatformUnreachable: (d) => `${platform(d.platform)} unreachable: ${d.lastError?.message ?? ''}`,
  PlatformRecovered: (d) => `${platform(d.platform)} reachable again`,
  DirectoryChanged: (d) =>
    `${platform(d.platform)} ${d.kind}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`,
  SyncRunCompleted: (d) => `Checks run: ${plural(d.changes?.length ?? 0, 'change')}`,
  ProcessorCheckpointed: (d) => `Checkpoint of ${d.processor}`
}

/** The fact's one line. */
export const summarise = (fact, customer) => {
  const line = lines[fact.type]
  try {
    if (line) return line(fact.data ?? {}, customer)
  } catch {
    // A fact of an older shape: its type in words still says what happened.
  }
  return `${words(fact.type)}${customer ? ` (${customer})` : ''}`
}
