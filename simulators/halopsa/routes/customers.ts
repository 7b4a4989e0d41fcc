import type { FastifyInstance } from 'fastify'
import type { SimContext } from '../context.js'
import { simEvents } from '../events.js'
import { registerResource, truthy, type FieldErrors, type Query } from '../resource.js'
import { clientRow, itemRow } from '../rows.js'
import { num, str, type Row } from '../state.js'

/** Client, Item, ExternalLink and SoftwareLicence (docs/platforms/halopsa.md#clients-and-items). */

const clientSmall = (row: Row): Row => ({
  id: row.id,
  name: row.name,
  inactive: row.inactive,
  toplevel_id: row.toplevel_id
})

const notifyClient = (ctx: SimContext, event: 'clientUpdated' | 'clientDeleted', row: Row) => {
  if (!ctx.behaviour.clientEvents) return
  const e = simEvents[event]
  ctx.notify({
    event: e,
    objectId: row.id as number,
    message: `Client ${String(row.name)} was ${event === 'clientDeleted' ? 'deleted' : 'updated'}.`,
    entity: { key: 'client', full: { ...row }, small: clientSmall(row) }
  })
}

/** Rename or (in)activate a client as a human would in Halo's UI. */
export const changeClient = (
  ctx: SimContext,
  id: number,
  patch: { name?: string; inactive?: boolean }
): Row | undefined => {
  const row = ctx.data.clients.get(id)
  if (!row) return undefined
  Object.assign(row, patch)
  syncClientName(ctx, row)
  notifyClient(ctx, 'clientUpdated', row)
  return row
}

/** Delete a client, or refuse (field errors) when the instance is set to keep linked clients. */
export const removeClient = (ctx: SimContext, row: Row): FieldErrors | void => {
  const id = row.id as number
  if (ctx.behaviour.clientDelete === 'refuse-when-linked') {
    const linked =
      [...ctx.data.tickets.rows.values()].some((t) => t.client_id === id && t.deleted !== true) ||
      [...ctx.data.recurringInvoices.rows.values()].some((i) => i.client_id === id)
    if (linked) return { id: 'This client cannot be deleted because it has tickets or invoices' }
  }
  ctx.data.clients.rows.delete(id)
  notifyClient(ctx, 'clientDeleted', row)
}

/** Invoices and tickets carry the client's name; Halo shows the current one. */
const syncClientName = (ctx: SimContext, client: Row) => {
  for (const invoice of ctx.data.recurringInvoices.rows.values())
    if (invoice.client_id === client.id) invoice.client_name = client.name
}

const requireName = (input: Row, existing: Row | undefined, at: string): FieldErrors =>
  (!existing || 'name' in input) && (typeof input.name !== 'string' || input.name.trim() === '')
    ? { [`${at}.name`]: 'A name must be entered' }
    : {}

export const clientExists = (ctx: SimContext, input: Row, existing: Row | undefined, at: string): FieldErrors => {
  if (existing && !('client_id' in input)) return {}
  return ctx.data.clients.get(num(input, 'client_id') ?? -1)
    ? {}
    : { [`${at}.client_id`]: 'A valid client must be selected' }
}

const matches = (row: Row, q: Query, keys: string[]) =>
  keys.every((key) => q[key] === undefined || String(row[key]) === q[key])

export const registerCustomers = (app: FastifyInstance, ctx: SimContext): void => {
  registerResource(app, ctx, {
    path: '/api/Client',
    key: 'clients',
    scope: { area: 'customers' },
    table: (c) => c.data.clients,
    filter: (row, q) => {
      if (q.toplevel_id !== undefined && String(row.toplevel_id) !== q.toplevel_id) return false
      if (row.inactive === true) return truthy(q.includeinactive)
      return q.includeactive === undefined || truthy(q.includeactive)
    },
    view: (row, c) => ({
      ...row,
      external_links: [...c.data.externalLinks.rows.values()].filter((l) => l.table_id === 2 && l.halo_id === row.id)
    }),
    validate: (input, existing, at) => requireName(input, existing, at),
    create: (input, id, c) => clientRow(id, input, c.clock.now()),
    afterWrite: (before, after, c) => {
      if (!before) return
      syncClientName(c, after)
      if (before.name !== after.name || before.inactive !== after.inactive) notifyClient(c, 'clientUpdated', after)
    },
    remove: (row, c) => removeClient(c, row)
  })

  registerResource(app, ctx, {
    path: '/api/Item',
    key: 'items',
    scope: { area: 'items' },
    table: (c) => c.data.items,
    // Halo's Item has no inactive property, but its list filters do: an inactivated item drops out
    // of the default list and is still found by id.
    filter: (row, q, c) =>
      c.data.inactiveItemIds.has(row.id as number)
        ? truthy(q.includeinactive)
        : q.includeactive === undefined || truthy(q.includeactive),
    validate: (input, existing, at) => requireName(input, existing, at),
    create: (input, id) => itemRow(id, input)
  })

  registerResource(app, ctx, {
    path: '/api/ExternalLink',
    key: null,
    scope: { area: 'customers' },
    table: (c) => c.data.externalLinks,
    filter: (row, q) => matches(row, q, ['third_party_id', 'table_id', 'module_id', 'halo_id']),
    validate: (input, existing, at) =>
      existing
        ? {}
        : Object.fromEntries(
            ['table_id', 'halo_id', 'third_party_id']
              .filter((k) => input[k] === undefined)
              .map((k) => [`${at}.${k}`, `${k} is required`])
          ),
    create: (input, id) => ({ module_id: 0, third_party_desc: '', third_party_url: '', ...input, id })
  })

  registerResource(app, ctx, {
    path: '/api/SoftwareLicence',
    key: 'licences',
    scope: { area: 'softwarelicensing' },
    table: (c) => c.data.licences,
    filter: (row, q) =>
      matches(row, q, ['client_id', 'site_id', 'tenant_id']) && (row.is_active !== false || truthy(q.includeinactive)),
    validate: (input, existing, at, c) => ({
      ...requireName(input, existing, at),
      ...clientExists(c, input, existing, at)
    }),
    create: (input, id, c) => ({
      count: 0,
      site_id: 0,
      type: 0,
      is_active: true,
      price: 0,
      product_sku: '',
      tenant_id: '',
      start_date: '1899-12-30T00:00:00',
      end_date: '1899-12-30T00:00:00',
      ...input,
      client_name: str(c.data.clients.get(num(input, 'client_id') ?? -1), 'name') ?? '',
      id
    })
  })
}
