import type { FastifyInstance } from 'fastify'
import type { SimContext } from '../context.js'
import { registerResource, truthy, type FieldErrors } from '../resource.js'
import { num, str, type Row } from '../state.js'
import { clientExists } from './customers.js'

/**
 * Assets (`/api/Asset`, HaloPSA's `Device` / `Device_List`; docs/platforms/halopsa.md#assets):
 * created by a `POST` of an array, listed in pages under the envelope key `assets`, filtered by
 * `client_id`, inactive ones left out unless `includeinactive`. `inventory_number` is the asset
 * tag; `key_field` is the value of the asset type's main field (the first of its `fields` when a
 * client does not send it). The type's `fields` come in a list only with `includeassetfields`.
 */

/** The columns of a `Device_List` row the simulator keeps (the published schema has many more). */
const LIST_COLUMNS = [
  'id',
  'inventory_number',
  'key_field',
  'key_field2',
  'key_field3',
  'client_id',
  'client_name',
  'site_id',
  'site_name',
  'assettype_id',
  'assettype_name',
  'inactive',
  'customfields'
]

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)

/** What a ticket's `assets` holds for one asset: its list row. */
export const assetListRow = (row: Row): Row =>
  Object.fromEntries(LIST_COLUMNS.filter((k) => k in row).map((k) => [k, structuredClone(row[k])]))

const assetRow = (ctx: SimContext, id: number, input: Row): Row => {
  const client = ctx.data.clients.get(num(input, 'client_id') ?? -1)
  const fields = Array.isArray(input.fields) ? (input.fields as Row[]) : []
  return {
    inventory_number: '',
    key_field2: '',
    key_field3: '',
    site_id: num(client, 'main_site_id') ?? 0,
    site_name: 'Main',
    assettype_id: 0,
    assettype_name: '',
    inactive: false,
    customfields: [],
    ...input,
    key_field: text(input.key_field) ?? text(fields[0]?.value) ?? text(input.inventory_number) ?? '',
    fields,
    client_name: str(client, 'name') ?? '',
    id
  }
}

/** Assets named by a ticket's `assets`: each must exist (the answer carries their list rows). */
export const ticketAssetErrors = (ctx: SimContext, input: Row, at: string): FieldErrors => {
  if (!Array.isArray(input.assets)) return {}
  const errors: FieldErrors = {}
  input.assets.forEach((a: unknown, i) => {
    const id = num(a as Row, 'id')
    if (id === undefined || !ctx.data.assets.get(id)) errors[`${at}.assets[${i}].id`] = `Asset ${String(id)} not found`
  })
  return errors
}

export const ticketAssets = (ctx: SimContext, assets: unknown): Row[] =>
  Array.isArray(assets)
    ? assets.flatMap((a: unknown) => {
        const row = ctx.data.assets.get(num(a as Row, 'id') ?? -1)
        return row ? [assetListRow(row)] : []
      })
    : []

export const registerAssets = (app: FastifyInstance, ctx: SimContext): void => {
  registerResource(app, ctx, {
    path: '/api/Asset',
    key: 'assets',
    scope: { area: 'assets' },
    table: (c) => c.data.assets,
    filter: (row, q) => {
      for (const key of ['client_id', 'site_id', 'assettype_id'])
        if (q[key] !== undefined && String(row[key]) !== q[key]) return false
      if (q.inventory_number !== undefined && row.inventory_number !== q.inventory_number) return false
      return row.inactive === true ? truthy(q.includeinactive) : true
    },
    searchText: (row) => `${String(row.inventory_number)} ${String(row.key_field)}`,
    view: (row, _c, q, one) =>
      one
        ? structuredClone(row)
        : { ...assetListRow(row), ...(truthy(q.includeassetfields) ? { fields: row.fields } : {}) },
    validate: (input, existing, at, c) => clientExists(c, input, existing, at),
    create: (input, id, c) => assetRow(c, id, input),
    afterWrite: (_before, after, c) => {
      after.client_name = str(c.data.clients.get(num(after, 'client_id') ?? -1), 'name') ?? ''
    }
  })
}
