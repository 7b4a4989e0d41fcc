import { NULL_DATE, haloTime, num, str, type Row, type SimData } from './state.js'

/**
 * What Halo fills in when a record is created: the defaults and derived fields real objects show
 * (docs/platforms/halopsa.md#calls-the-relay-makes), so reads look like the real thing.
 */

export const clientRow = (id: number, input: Row, now: number): Row => ({
  name: '',
  inactive: false,
  toplevel_id: 1,
  toplevel_name: 'Customers',
  main_site_id: 0,
  main_site_name: 'Main',
  accountsid: '',
  ref: '',
  notes: '',
  is_vip: false,
  colour: '',
  customfields: [],
  datecreated: haloTime(now),
  ...input,
  id
})

export const itemRow = (id: number, input: Row): Row => ({
  name: '',
  description: '',
  baseprice: 0,
  costprice: 0,
  recurringprice: num(input, 'baseprice') ?? 0,
  recurringcost: num(input, 'costprice') ?? 0,
  isrecurringitem: true,
  taxcode: 0,
  nominalcode: '',
  accountsid: '',
  customfields: [],
  ...input,
  id
})

const round2 = (n: number) => Math.round(n * 100) / 100

/** A recurring-invoice line; description and price come from the item when not given. */
export const lineRow = (data: SimData, ihid: number, input: Row, sequence: number): Row => {
  const item = data.items.get(num(input, '_itemid') ?? -1)
  const unitPrice = num(input, 'unit_price') ?? num(item, 'baseprice') ?? 0
  return {
    item_code: str(item, 'name') ?? '',
    item_shortdescription: str(item, 'name') ?? '',
    item_longdescription: '',
    qty_order: 0,
    unit_price: unitPrice,
    unit_cost: num(item, 'costprice') ?? 0,
    baseprice: num(item, 'baseprice') ?? unitPrice,
    // Text on a line (InvoiceDetail.tax_code; "5" in a real invoice), although Item.taxcode is a number.
    tax_code: String(num(item, 'taxcode') ?? 0),
    sequenceid: sequence,
    isinactive: false,
    recurring_invoice_quantity_type: 0,
    quantity_licences: [],
    quantity_subscriptions: [],
    ...input,
    _itemid: num(input, '_itemid') ?? -1,
    id: num(input, 'id') ?? data.nextLineId(),
    ihid
  }
}

/** net_amount per line and the header total follow quantities and prices, as Halo computes them. */
export const recomputeInvoice = (invoice: Row): Row => {
  const lines = (invoice.lines as Row[] | undefined) ?? []
  let total = 0
  for (const line of lines) {
    const net = round2((num(line, 'qty_order') ?? 0) * (num(line, 'unit_price') ?? 0))
    line.net_amount = net
    if (line.isinactive !== true) total += net
  }
  invoice.total = round2(total)
  return invoice
}

const firstOfNextMonth = (now: number) => {
  const d = new Date(now)
  return haloTime(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))
}

export const invoiceHeaderRow = (id: number, client: Row | undefined, input: Row, now: number): Row => ({
  client_name: str(client, 'name') ?? '',
  reference: str(client, 'name') ?? '',
  disabled: false,
  is_recurring_invoice: true,
  notes_1: '',
  period: 'Monthly',
  period_type: 3,
  nextcreationdate: firstOfNextMonth(now),
  period_start_date: firstOfNextMonth(now),
  period_end_date: NULL_DATE,
  lastcreated: NULL_DATE,
  invoice_date: NULL_DATE,
  requires_approval: false,
  currency_code: 0,
  ...input,
  lines: [],
  id
})

export const ticketRow = (data: SimData, id: number, input: Row, now: number): Row => {
  const type = data.ticketTypes.get(num(input, 'tickettype_id') ?? -1)
  const client = data.clients.get(num(input, 'client_id') ?? -1)
  return {
    details: '',
    details_html: '',
    site_id: num(client, 'main_site_id') ?? 0,
    priority_id: num(type, 'default_priority') ?? 3,
    status_id: num(type, 'initial_status') ?? 1,
    agent_id: 0,
    team_id: 0,
    category_1: '',
    impact: 0,
    urgency: 0,
    customfields: [],
    third_party_id_string: '',
    source: 0,
    ...input,
    client_name: str(client, 'name') ?? '',
    hasbeenclosed: false,
    dateclosed: NULL_DATE,
    dateoccurred: haloTime(now),
    datecreated: haloTime(now),
    last_update: haloTime(now),
    deleted: false,
    id
  }
}
