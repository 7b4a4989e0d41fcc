import { z } from 'zod'

/**
 * The eight integration events of the vendor's Events page
 * (docs/integration-events.md#the-nine-events; the texts are the vendor's,
 * https://www.bitdefender.com/business/support/en/77211-1439682-events.html), and a ninth of the
 * relay's own, `platform-unreachable`. Ids, categories and actions are part of the contract.
 */

export const EventCategory = z.enum(['mapping', 'billing', 'ticketing', 'connection'])
export type EventCategory = z.infer<typeof EventCategory>

export const EventAction = z.enum(['recheck', 'resolve', 'acknowledge'])
export type EventAction = z.infer<typeof EventAction>

export const eventTypeIds = [
  'gravityzone-company-not-found',
  'company-and-client-not-found',
  'halopsa-client-not-found',
  'recurring-invoice-missing',
  'halopsa-item-missing',
  'ticket-creation-failed',
  'invalid-ticketing-configuration',
  'ticket-closure-failed',
  'platform-unreachable'
] as const
export const EventTypeId = z.enum(eventTypeIds)
export type EventTypeId = z.infer<typeof EventTypeId>

export type EventSubject = {
  mappingId?: string
  gravityzoneCompanyId?: string
  gravityzoneCompanyName?: string
  halopsaClientId?: number
  halopsaClientName?: string
  itemId?: number
  ticketId?: number
  /** The platform a connection event is about. */
  platform?: 'gravityzone' | 'halopsa'
}

type EventTypeDefinition = {
  id: EventTypeId
  category: EventCategory
  title: string
  /** The seed's "Event Description". */
  summary: string
  /** The seed's "Description Details", with the subject's names filled in. */
  describe(subject: EventSubject): string
  recommendedAction?: string
  actions: readonly EventAction[]
}

const company = (s: EventSubject) =>
  s.gravityzoneCompanyName ? `"${s.gravityzoneCompanyName}"` : s.gravityzoneCompanyId ? `${s.gravityzoneCompanyId}` : ''
const client = (s: EventSubject) =>
  s.halopsaClientName ? `"${s.halopsaClientName}"` : s.halopsaClientId !== undefined ? `#${s.halopsaClientId}` : ''
const named = (text: string) => (text ? ` ${text}` : '')
const platformName = (s: EventSubject) =>
  s.platform === 'gravityzone' ? 'GravityZone' : s.platform === 'halopsa' ? 'HaloPSA' : 'A platform'

export const eventCatalogue: Record<EventTypeId, EventTypeDefinition> = {
  'gravityzone-company-not-found': {
    id: 'gravityzone-company-not-found',
    category: 'mapping',
    title: 'GravityZone company not found',
    summary:
      'Company cannot be found in GravityZone. The mapping with the HaloPSA client is invalid, and the Billing and Ticketing services are suspended.',
    describe: (s) =>
      `The company${named(company(s))} cannot be found in GravityZone. The mapping with the HaloPSA client${named(client(s))} is invalid, and the Billing and Ticketing services are suspended. Click Recheck to verify if the mapping association is still missing.`,
    recommendedAction:
      'Edit the HaloPSA client mapping and select another available GravityZone company, or create a new company.',
    actions: ['recheck']
  },
  'company-and-client-not-found': {
    id: 'company-and-client-not-found',
    category: 'mapping',
    title: 'Company & client not found',
    summary:
      'The mapped GravityZone company and HaloPSA client cannot be found in their respective inventory. They might be deleted or unavailable via API request.',
    describe: (s) =>
      `The mapped GravityZone company${named(company(s))} and HaloPSA client${named(client(s))} cannot be found. Click Resolve to delete the invalid mapping.`,
    actions: ['resolve']
  },
  'halopsa-client-not-found': {
    id: 'halopsa-client-not-found',
    category: 'mapping',
    title: 'HaloPSA client not found',
    summary:
      'The client cannot be found in HaloPSA. The mapping with the associated GravityZone company is no longer valid and the Billing and Ticketing services for GravityZone company are suspended.',
    describe: (s) =>
      `HaloPSA client${named(client(s))} cannot be found in HaloPSA. The mapping with the associated GravityZone company${named(company(s))} is no longer valid and the Billing and Ticketing services for client are suspended. To handle the event, click Resolve. This action will delete the current mapping and the GravityZone company will be made available for mapping to other HaloPSA clients.`,
    actions: ['resolve']
  },
  'recurring-invoice-missing': {
    id: 'recurring-invoice-missing',
    category: 'billing',
    title: 'Recurring invoice missing',
    summary: 'Recurring invoice for the HaloPSA client is missing.',
    describe: (s) =>
      `Recurring invoice for the HaloPSA client${named(client(s))} is missing. Click Recheck to verify if the invoice is still missing.`,
    recommendedAction:
      'Edit the HaloPSA client mapping and select Generate Recurring Invoice from the Billing service.',
    actions: ['recheck']
  },
  'halopsa-item-missing': {
    id: 'halopsa-item-missing',
    category: 'billing',
    title: 'HaloPSA item missing',
    summary:
      'The HaloPSA mapped item for the Billing service, either global or custom configuration, cannot be found in HaloPSA.',
    describe: (s) =>
      `The HaloPSA mapped item${s.itemId !== undefined ? ` #${s.itemId}` : ''} for the Billing service, ${s.mappingId ? `custom configuration of the HaloPSA client${named(client(s))}` : 'global configuration'}, cannot be found in HaloPSA.`,
    recommendedAction:
      'For global billing, go to Configuration > Billing and replace the missing HaloPSA item. For custom billing, edit the HaloPSA client mapping, then go to Billing > Custom billing and replace the missing HaloPSA item.',
    actions: ['recheck']
  },
  'ticket-creation-failed': {
    id: 'ticket-creation-failed',
    category: 'ticketing',
    title: 'Ticketing creation issue',
    summary: 'The Ticketing Service is not able to create tickets in HaloPSA.',
    describe: (s) =>
      `Ticket creation for the HaloPSA client${named(client(s))} has failed. Review the related alerts in your GravityZone console for more information. After you fix the issue, the ticket will not be recreated automatically. Click OK to acknowledge this event.`,
    actions: ['acknowledge']
  },
  'invalid-ticketing-configuration': {
    id: 'invalid-ticketing-configuration',
    category: 'ticketing',
    title: 'Invalid ticketing configuration',
    summary: 'The Ticketing Service contains invalid configuration settings.',
    describe: (s) =>
      `Ticket for the HaloPSA client${named(client(s))} could not be created due to an invalid ticketing configuration. Review the related alerts in your GravityZone console for more information. Click Recheck to verify the configuration.`,
    recommendedAction: 'Review the ticketing configuration page for invalid or missing settings.',
    actions: ['recheck']
  },
  'ticket-closure-failed': {
    id: 'ticket-closure-failed',
    category: 'ticketing',
    title: 'Ticketing closure failure',
    summary:
      'The Ticketing Service is not able to automatically close a ticket in HaloPSA if the Auto-close tickets for blocked threats option is enabled.',
    describe: (s) =>
      `Ticket${s.ticketId !== undefined ? ` #${s.ticketId}` : ''} closure for HaloPSA client${named(client(s))} has failed. You can review the related ticket in your HaloPSA console for more information. After the issue is resolved, the ticket will not be closed automatically. Click OK to acknowledge this event.`,
    recommendedAction:
      'The "Closed" ticket status was not found in HaloPSA. Make sure that the status is available in your HaloPSA console.',
    actions: ['acknowledge']
  },
  'platform-unreachable': {
    id: 'platform-unreachable',
    category: 'connection',
    title: 'Platform unreachable',
    summary:
      'The relay cannot reach GravityZone or HaloPSA: calls fail to connect, time out, meet server errors, or the credentials are refused. Checks, billing and tickets wait until it answers.',
    describe: (s) =>
      `${platformName(s)} does not answer the relay's calls, or refuses its credentials. Checks, billing and ticket creation for it wait and resume on their own when it answers again; security events received meanwhile are kept and become tickets then. This event closes by itself when ${platformName(s)} answers. Click Recheck to try it now.`,
    recommendedAction:
      "Check the platform's status page and the relay's network access to it, then its URL and credentials in the relay's configuration (npm run doctor checks them).",
    actions: ['recheck']
  }
}

export const supportsAction = (type: EventTypeId, action: EventAction): boolean =>
  eventCatalogue[type].actions.includes(action)
