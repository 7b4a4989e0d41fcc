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

export const invoiceLineSchema = haloObject({
  id: haloInt,
  ihid: haloInt.optional(),
  _itemid: haloRef,
  item_code: haloText,
  item_shortdescription: haloText,
  qty_order: haloNumber.default(0),
  unit_price: haloNumberOrNull,
  net_amount: haloNumberOrNull,
  isinactive: haloBool,
  recurring_invoice_quantity_type: haloNumberOrNull.optional()
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
  /**
   * How Halo sets the quantity: 0 (or absent) by hand, anything else calculated by Halo from the
   * client's licences, users or assets (usehalo.com, "automating quantities in recurring invoices";
   * the meaning of each code is unpublished). Only manual lines are the relay's to write.
   */
  quantityType: r.recurring_invoice_quantity_type ?? 0,
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

/** Elements that do not parse are left out, so one odd field does not cost the whole record. */
const lenientArray = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .nullish()
    .transform((values) =>
      (values ?? []).flatMap((v) => {
        const parsed = item.safeParse(v)
        return parsed.success ? [parsed.data as z.output<T>] : []
      })
    )

/** A value as text: what Halo displays when it says, else the value itself when it is a scalar. */
const valueText = (display: string | null | undefined, value: unknown): string | undefined => {
  if (typeof display === 'string' && display.trim() !== '') return display
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** `FieldHelper` (an asset type's field) and `CustomField`, read for their id, name and value. */
const fieldValueSchema = haloObject({
  id: haloInt,
  name: haloText.optional(),
  label: haloText.optional(),
  value: z.unknown().optional(),
  display: haloText.optional()
}).transform((f) => ({ id: f.id, name: f.label ?? f.name ?? null, value: valueText(f.display, f.value) }))

/**
 * An asset (`Device_List` in a list, `Device` alone): its tag (`inventory_number`), the values of
 * its type's main fields (`key_field`…), the client it belongs to, and its fields and custom fields
 * (docs/platforms/halopsa.md#assets).
 */
export const assetSchema = haloObject({
  id: haloInt,
  inventory_number: haloText,
  key_field: haloText,
  key_field2: haloText,
  key_field3: haloText,
  client_id: haloRef,
  client_name: haloText,
  site_name: haloText,
  assettype_name: haloText,
  inactive: haloBool,
  fields: lenientArray(fieldValueSchema),
  customfields: lenientArray(fieldValueSchema)
}).transform((r) => ({
  id: r.id,
  inventoryNumber: r.inventory_number,
  keyField: r.key_field,
  keyField2: r.key_field2,
  keyField3: r.key_field3,
  clientId: r.client_id,
  clientName: r.client_name,
  siteName: r.site_name,
  assetTypeName: r.assettype_name,
  inactive: r.inactive,
  fields: r.fields,
  customFields: r.customfields
}))
export type HaloAsset = z.output<typeof assetSchema>

/** What both a list row and a full ticket carry (n8n's HaloPSA node: `ticket/getAll.json`, from a real list). */
const ticketColumns = {
  id: haloInt,
  summary: haloText,
  details: haloText,
  status_id: haloInt,
  client_id: haloRef,
  site_id: haloRef,
  tickettype_id: haloRef,
  priority_id: haloRef,
  agent_id: haloRef,
  dateoccurred: haloDate,
  last_update: haloDate
}

const columnsOf = (r: z.output<z.ZodObject<typeof ticketColumns>>) => ({
  id: r.id,
  summary: r.summary,
  details: r.details,
  statusId: r.status_id,
  clientId: r.client_id,
  siteId: r.site_id,
  ticketTypeId: r.tickettype_id,
  priorityId: r.priority_id,
  agentId: r.agent_id,
  dateOccurred: r.dateoccurred,
  lastUpdate: r.last_update
})

/**
 * A row of `GET /Tickets`: list columns only. Real lists do not carry `hasbeenclosed`,
 * `third_party_id_string`, `dateclosed`, `deleted` or `customfields`, so they are not read here.
 */
export const ticketListItemSchema = haloObject(ticketColumns).transform(columnsOf)
export type HaloTicketListItem = z.output<typeof ticketListItemSchema>

/** An optional boolean: absent stays null ("unknown"), never false. */
const maybeBool = haloBool.nullable().optional()

/**
 * One ticket from `GET /Tickets/{id}` (or the answer to a POST): everything the relay reads. A
 * field Halo leaves out comes back null, meaning "not known", so a missing `hasbeenclosed` is never
 * taken for "open"; `thirdPartyIdString` is undefined when absent and null when empty.
 */
export const ticketSchema = haloObject({
  ...ticketColumns,
  hasbeenclosed: maybeBool,
  dateclosed: haloDate,
  third_party_id_string: haloText.optional(),
  deleted: maybeBool,
  customfields: z.array(customFieldSchema).nullish(),
  /** `Faults.assets`: the assets the ticket is about. */
  assets: lenientArray(haloObject({ id: haloInt }))
}).transform((r) => ({
  ...columnsOf(r),
  hasBeenClosed: r.hasbeenclosed ?? null,
  dateClosed: r.dateclosed,
  thirdPartyIdString: r.third_party_id_string,
  deleted: r.deleted ?? null,
  customFields: (r.customfields ?? []).map((f) => ({ id: f.id, name: f.name ?? null, value: f.value })),
  assetIds: r.assets.map((a) => a.id)
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

/**
 * One row of `GET /Priority`, which Halo documents as a list of `Policy`: a GUID `id`, the
 * priority's number in `priorityid` and one row per SLA (`slaid`). The `{id: <int>, name}` shape
 * some clients read is accepted too.
 */
export const policySchema = haloObject({
  id: z.union([haloInt, z.string()]).optional(),
  priorityid: haloInt.nullish(),
  slaid: haloRef.optional(),
  name: haloText.optional()
}).transform((r) => ({
  priorityId: r.priorityid ?? (typeof r.id === 'number' ? r.id : null),
  slaId: r.slaid ?? null,
  name: r.name ?? ''
}))
export type HaloPolicy = z.output<typeof policySchema>
/** A priority number with the SLAs it appears under. */
export type HaloPriority = { id: number; name: string; slaIds: number[] }

/**
 * `GET /TicketType/{id}?includedetails=true`. Halo's `RequestTypeField` has no mandatory flag, so
 * the relay does not claim to know which fields a type insists on: a creation Halo refuses names the
 * field, and that raises invalid-ticketing-configuration (ticketing.ts).
 */
export const ticketTypeDetailSchema = haloObject({
  id: haloInt,
  name: z.string(),
  initial_status: haloRef,
  default_priority: haloRef,
  /** `RequestType.reopenedstatus`: the status Halo gives a ticket of this type when it is re-opened. */
  reopenedstatus: haloRef.optional()
}).transform((r) => ({
  id: r.id,
  name: r.name,
  initialStatusId: r.initial_status,
  defaultPriorityId: r.default_priority,
  reopenedStatusId: r.reopenedstatus ?? null
}))
export type HaloTicketTypeDetail = z.output<typeof ticketTypeDetailSchema>

/** A webhook's notification (`UnameNotification`): `eventno` says which event it is for. */
const webhookEventSchema = haloObject({
  id: haloNumberOrNull.optional(),
  name: haloText.optional(),
  eventno: haloNumberOrNull.optional()
})

/**
 * An entry of `/api/Webhook`. The same resource lists runbooks and integrations, whose `url` is
 * null, so only the id is required. Integer codes (`method`, `payload_type`,
 * `authentication_type`) are kept as Halo sent them: their meanings are unpublished.
 */
export const webhookSchema = haloObject({
  id: z.string().min(1),
  name: haloText.optional(),
  url: haloText.optional(),
  method: haloNumberOrNull.optional(),
  authentication_type: haloNumberOrNull.optional(),
  basic_username: haloText.optional(),
  payload_type: haloNumberOrNull.optional(),
  active: maybeBool,
  disabled: maybeBool,
  events: z.array(webhookEventSchema).nullish()
}).transform((r) => ({
  id: r.id,
  name: r.name ?? null,
  url: r.url ?? null,
  method: r.method ?? null,
  basicUsername: r.basic_username ?? null,
  authenticationType: r.authentication_type ?? null,
  payloadType: r.payload_type ?? null,
  active: r.active ?? null,
  disabled: r.disabled ?? null,
  events: (r.events ?? []).map((e) => ({ id: e.id ?? null, name: e.name ?? null, eventNo: e.eventno ?? null }))
}))
export type HaloWebhook = z.output<typeof webhookSchema>

/** What a DELETE answers: the deleted object, of which only the id matters. */
export const deletedSchema = haloObject({ id: z.union([haloInt, z.string()]) })
