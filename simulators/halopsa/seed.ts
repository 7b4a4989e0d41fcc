import { demoAssets, demoCustomers, demoItems } from '../kit/demoSeed.js'
import { clientRow, invoiceHeaderRow, itemRow, lineRow, recomputeInvoice } from './rows.js'
import { emptyData, type Row, type SimData } from './state.js'
import type { DemoAsset } from '../kit/demoSeed.js'

/**
 * What every simulated instance starts with (statuses, ticket types, priorities, outcomes, as on a
 * stock Halo install) and the shared demo MSP for `--seed demo`.
 */

export type SeedName = 'none' | 'demo'

const put = (table: { rows: Map<number, Row> }, row: Row) => table.rows.set(row.id as number, row)

/** A ticket type's `fields`, as Halo's `RequestTypeField` has them (no mandatory flag: see SimData.mandatoryFields). */
export const ticketTypeFields = (rtid: number, names: string[]): Row[] =>
  names.map((fieldname, i) => ({ id: rtid * 100 + i + 1, rtid, fieldid: i + 1, fieldname, seq: i + 1 }))

const baseLookups = (data: SimData) => {
  const statuses: [number, string, string][] = [
    [1, 'New', 'New'],
    [2, 'In Progress', 'InProg'],
    [3, 'Action Required', 'ActReq'],
    [4, 'Waiting on User', 'WaitUser'],
    [5, 'Waiting on Supplier', 'WaitSupp'],
    [8, 'Resolved', 'Resolved'],
    [9, 'Closed', 'Closed']
  ]
  statuses.forEach(([id, name, shortname], i) =>
    put(data.statuses, { id, name, shortname, type: id === 9 ? 1 : 0, sequence: i + 1, colour: '#888888' })
  )

  // `reopenedstatus` (RequestType): the status a re-opened ticket gets; 0 is "none".
  const types: [number, string, number, number][] = [
    [1, 'Incident', 3, 0],
    [3, 'Service Request', 4, 2]
  ]
  for (const [id, name, priority, reopened] of types)
    put(data.ticketTypes, {
      id,
      name,
      initial_status: 1,
      default_priority: priority,
      reopenedstatus: reopened,
      fields: []
    })
  // The ticket type that reproduces the common 400 (mandatory fields without defaults;
  // docs/platforms/halopsa.md#tickets-and-actions).
  put(data.ticketTypes, {
    id: 25,
    name: 'Security Incident',
    initial_status: 1,
    default_priority: 2,
    fields: ticketTypeFields(25, ['category_1', 'impact', 'urgency'])
  })
  data.mandatoryFields.set(25, ['category_1', 'impact', 'urgency'])

  // GET /Priority lists Policy rows: each priority once per SLA, with a GUID id and the number in priorityid.
  for (const slaid of [1, 2])
    ['Critical', 'High', 'Medium', 'Low'].forEach((name, i) => {
      const id = data.priorities.next()
      data.priorities.rows.set(id, { id, priorityid: i + 1, slaid, name, fixtime: 4 * (i + 1), fixunits: 'h' })
    })

  const outcomes: [number, string][] = [
    [1, 'Email User'],
    [2, 'Phone Call'],
    [7, 'Internal Note'],
    [9, 'Close Ticket'],
    [10, 'Private Note']
  ]
  outcomes.forEach(([id, outcome]) => put(data.outcomes, { id, outcome }))
}

/** Asset types of the demo instance, with the ids of their fields (the first one is the type's key field). */
export const demoAssetTypes = {
  Workstation: { id: 1, fields: { name: 101, mac: 102 } },
  Printer: { id: 2, fields: { name: 201, mac: 202 } }
} as const

const demoAssetRow = (id: number, client: Row, asset: DemoAsset): Row => {
  const type = demoAssetTypes[asset.assetType]
  return {
    id,
    inventory_number: asset.inventoryNumber,
    key_field: asset.keyField,
    key_field2: '',
    key_field3: '',
    client_id: client.id,
    client_name: client.name,
    site_id: client.main_site_id,
    site_name: 'Main',
    assettype_id: type.id,
    assettype_name: asset.assetType,
    inactive: false,
    fields: [
      { id: type.fields.name, name: 'Device Name', value: asset.keyField },
      ...(asset.mac ? [{ id: type.fields.mac, name: 'MAC Address', value: asset.mac }] : [])
    ],
    customfields: []
  }
}

/** The unrelated line every demo invoice carries, with an automatic quantity, which the relay must leave alone. */
export const managedSupportItem = { id: 20, name: 'Managed IT support (per user)', price: 45 }

const demo = (data: SimData, now: number) => {
  // /api/Webhook also lists runbooks and integrations, which have no URL (Webhook.url is nullable).
  const runbook = data.webhooks.next()
  data.webhooks.rows.set(runbook, {
    id: runbook,
    name: 'New starter runbook',
    url: null,
    runbook_start_type: 1,
    steps: [],
    events: [],
    active: true
  })
  for (const item of demoItems)
    put(
      data.items,
      itemRow(item.id, {
        name: item.name,
        description: item.name,
        baseprice: item.price,
        costprice: Math.round(item.price * 55) / 100
      })
    )
  put(
    data.items,
    itemRow(managedSupportItem.id, {
      name: managedSupportItem.name,
      description: managedSupportItem.name,
      baseprice: managedSupportItem.price,
      costprice: 20
    })
  )

  for (const customer of demoCustomers) {
    if (customer.on === 'gravityzone') continue
    const client = clientRow(
      customer.clientId,
      { name: customer.name, main_site_id: customer.clientId * 10, accountsid: `ACC${customer.clientId}` },
      now
    )
    put(data.clients, client)
    demoAssets(customer).forEach((asset, i) =>
      put(data.assets, demoAssetRow(customer.clientId * 1000 + i + 1, client, asset))
    )
    if (!customer.billed) continue
    const id = data.recurringInvoices.next()
    const invoice = invoiceHeaderRow(id, client, { client_id: customer.clientId }, now)
    const lines = demoItems.map((item, i) => lineRow(data, id, { _itemid: item.id, qty_order: 0 }, i + 1))
    // Per-user support: a line whose quantity Halo works out from the client's users (quantity type 2,
    // as 6 of the 8 lines of a real recurring invoice have automatic types); the relay must leave it be.
    lines.push(
      lineRow(
        data,
        id,
        { _itemid: managedSupportItem.id, qty_order: 5 + (customer.clientId % 20), recurring_invoice_quantity_type: 2 },
        lines.length + 1
      )
    )
    invoice.lines = lines
    put(data.recurringInvoices, recomputeInvoice(invoice))
  }
}

export const seedData = (seed: SeedName, now: number): SimData => {
  const data = emptyData()
  baseLookups(data)
  if (seed === 'demo') demo(data, now)
  return data
}
