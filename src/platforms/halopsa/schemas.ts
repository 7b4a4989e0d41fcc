import { z } from 'zod'
import { haloBool, haloDate, haloInt, haloNumber, haloNumberOrNull, haloObject, haloRef, haloText } from './wire.js'

/**
 * The HaloPSA objects the relay reads, parsed from Halo's wire names
 * (docs/platforms/halopsa.md#calls-the-relay-makes) into the relay's own camelCase shapes. Only the
 * fields the relay uses are typed; the rest of Halo's hundreds of properties are ignored, except on
 * recurring-invoice lines, which keep their raw form because they must be posted back whole
 * (docs/platforms/halopsa.md#recurring-invoices).
 */

export const tokenResponseSchema = haloObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: haloNumber.optional(),
  scope: z.string().optional()
})

export const clientSchema = haloObject({
  id: haloInt,
  name: z.string(),
  inactive: haloBool,
  toplevel_id: haloRef,
  toplevel_name: haloText,
  accountsid: haloText
}).transform((r) => ({
  id: r.id,
  name: r.name,
  inactive: r.inactive,
  topLevelId: r.toplevel_id,
  topLevelName: r.toplevel_name,
  accountsId: r.accountsid
}))
export type HaloClient = z.output<typeof clientSchema>

export const itemSchema = haloObject({
  id: haloInt,
  name: z.string(),
  description: haloText,
  baseprice: haloNumberOrNull,
  costprice: haloNumberOrNull,
  recurringprice: haloNumberOrNull,
  isrecurringitem: haloBool,
  taxcode: haloNumberOrNull
}).transform((r) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  basePrice: r.baseprice,
  costPrice: r.costprice,
  recurringPrice: r.recurringprice,
  isRecurringItem: r.isrecurringitem,
  taxCode: r.taxcode
}))
export type HaloItem = z.output<typeof itemSchema>

const invoiceLineSchema = haloObject({
  id: haloInt,
  ihid: haloInt.optional(),
  _itemid: haloRef,
  item_code: haloText,
  item_shortdescription: haloText,
  qty_order: haloNumber.default(0),
  unit_price: haloNumberOrNull,
  net_amount: haloNumberOrNull,
  isinactive: haloBool
}).transform((r) => ({
  id: r.id,
  invoiceId: r.ihid ?? null,
  itemId: r._itemid,
  itemCode: r.item_code,
  description: r.item_shortdescription,
  quantity: r.qty_order,
  unitPrice: r.unit_price,
  netAmount: r.net_amount,
  inactive: r.isinactive,
  /** The line as Halo sent it (keys lower-cased), for posting the whole line set back. */
  raw: r as Record<string, unknown>
}))

export const recurringInvoiceSchema = haloObject({
  id: haloInt,
  client_id: haloInt,
  client_name: haloText,
  reference: haloText,
  disabled: haloBool,
  nextcreationdate: haloDate,
  total: haloNumberOrNull,
  lines: z.array(invoiceLineSchema).nullish()
}).transform((r) => ({
  id: r.id,
  clientId: r.client_id,
  clientName: r.client_name,
  reference: r.reference,
  disabled: r.disabled,
  nextCreationDate: r.nextcreationdate,
  total: r.total,
  lines: r.lines ?? []
}))
export type RecurringInvoice = z.output<typeof recurringInvoiceSchema>

const customFieldSchema = haloObject({ id: haloInt, name: haloText.optional(), value: z.unknown().optional() })

export const ticketSchema = haloObject({
  id: haloInt,
  summary: haloText,
  details: haloText,
  status_id: haloInt,
  client_id: haloRef,
  site_id: haloRef,
  tickettype_id: haloRef,
  priority_id: haloRef,
  agent_id: haloRef,
  hasbeenclosed: haloBool,
  dateclosed: haloDate,
  dateoccurred: haloDate,
  last_update: haloDate,
  third_party_id_string: haloText,
  deleted: haloBool,
  customfields: z.array(customFieldSchema).nullish()
}).transform((r) => ({
  id: r.id,
  summary: r.summary,
  details: r.details,
  statusId: r.status_id,
  clientId: r.client_id,
  siteId: r.site_id,
  ticketTypeId: r.tickettype_id,
  priorityId: r.priority_id,
  agentId: r.agent_id,
  hasBeenClosed: r.hasbeenclosed,
  dateClosed: r.dateclosed,
  dateOccurred: r.dateoccurred,
  lastUpdate: r.last_update,
  thirdPartyIdString: r.third_party_id_string,
  deleted: r.deleted,
  customFields: (r.customfields ?? []).map((f) => ({ id: f.id, name: f.name ?? null, value: f.value }))
}))
export type HaloTicket = z.output<typeof ticketSchema>

export const actionSchema = haloObject({
  id: haloInt,
  ticket_id: haloInt,
  outcome: haloText,
  outcome_id: haloRef,
  note: haloText,
  hiddenfromuser: haloBool,
  new_status: haloRef
}).transform((r) => ({
  id: r.id,
  ticketId: r.ticket_id,
  outcome: r.outcome,
  outcomeId: r.outcome_id,
  note: r.note,
  hiddenFromUser: r.hiddenfromuser,
  newStatusId: r.new_status
}))
export type HaloAction = z.output<typeof actionSchema>

export const statusSchema = haloObject({
  id: haloInt,
  name: z.string(),
  shortname: haloText,
  type: haloNumberOrNull,
  sequence: haloNumberOrNull
}).transform((r) => ({ id: r.id, name: r.name, shortName: r.shortname, type: r.type, sequence: r.sequence }))
export type HaloStatus = z.output<typeof statusSchema>

export const lookupSchema = haloObject({ id: haloInt, name: z.string() }).transform((r) => ({ id: r.id, name: r.name }))
export type HaloTicketType = z.output<typeof lookupSchema>
export type HaloPriority = z.output<typeof lookupSchema>

const ticketTypeFieldSchema = haloObject({
  fieldname: haloText.optional(),
  name: haloText.optional(),
  mandatory: haloBool
})

export const ticketTypeDetailSchema = haloObject({
  id: haloInt,
  name: z.string(),
  initial_status: haloRef,
  default_priority: haloRef,
  fields: z.array(ticketTypeFieldSchema).nullish()
}).transform((r) => ({
  id: r.id,
  name: r.name,
  initialStatusId: r.initial_status,
  defaultPriorityId: r.default_priority,
  /**
   * Ticket fields Halo refuses a new ticket without (the common 400:
   * docs/platforms/halopsa.md#tickets-and-actions).
   */
  mandatoryFields: (r.fields ?? [])
    .filter((f) => f.mandatory)
    .map((f) => (f.fieldname ?? f.name ?? '').toLowerCase())
    .filter((n) => n !== '')
}))
export type HaloTicketTypeDetail = z.output<typeof ticketTypeDetailSchema>

const webhookEventRefSchema = haloObject({
  id: haloNumberOrNull.optional(),
  notification_id: haloNumberOrNull.optional(),
  event: haloText.optional(),
  name: haloText.optional()
})

export const webhookSchema = haloObject({
  id: z.string(),
  name: haloText,
  url: z.string(),
  method: haloText,
  authentication_type: haloNumberOrNull,
  basic_username: haloText,
  payload_type: haloNumberOrNull,
  active: haloBool,
  events: z.array(webhookEventRefSchema).nullish()
}).transform((r) => ({
  id: r.id,
  name: r.name,
  url: r.url,
  method: r.method,
  basicUsername: r.basic_username,
  authenticationType: r.authentication_type,
  payloadType: r.payload_type,
  active: r.active,
  events: (r.events ?? []).map((e) => e.event ?? e.name ?? null).filter((e): e is string => e !== null)
}))
export type HaloWebhook = z.output<typeof webhookSchema>

/** What a DELETE answers: the deleted object, of which only the id matters. */
export const deletedSchema = haloObject({ id: z.union([haloInt, z.string()]) })
