import { DomainError } from '../../domain/errors.js'
import { assetName, normaliseMac, type DirectoryAsset, type DirectoryEndpoint } from '../../domain/assets.js'
import { resolveAsset, type AssetDirectoryState } from '../../domain/assetDirectory.js'

/**
 * What GET /api/mappings/:id/assets and the asset picker answer (docs/assets.md#the-api): one row
 * per endpoint with the asset its tickets carry and why, and the client's assets; sorted by name,
 * paged with an opaque cursor.
 */

export type EndpointAssetItem = {
  endpointId: string
  endpointName: string
  label?: string
  ip: string | null
  mac: string | null
  macs: string[]
  fqdn?: string
  haloAssetId?: number
  haloAssetName?: string
  haloAssetTag?: string
  matchedBy: 'rule' | 'manual' | 'none'
  /** An operator's decision that wins over the rule: a link, or an unlink. */
  override?: 'link' | 'unlink'
}

export type HaloAssetItem = {
  id: number
  name: string
  inventoryNumber?: string
  assetType?: string
  site?: string
  /** Endpoints whose tickets carry this asset now. */
  endpointIds: string[]
}

/** One MAC form for people: `aa:bb:cc:dd:ee:ff` (GravityZone lists 12 hex digits). */
export const formatMac = (mac: string): string => {
  const hex = normaliseMac(mac)
  return /^[0-9a-f]{12}$/.test(hex) ? hex.match(/../g)!.join(':') : mac
}

/** A directory as a mapping sees it now: a side read for another company or client counts as unread. */
export type DirectoryView = {
  endpoints: DirectoryEndpoint[]
  assets: Map<number, DirectoryAsset>
  state: AssetDirectoryState
}

export const endpointItem = (view: DirectoryView, e: DirectoryEndpoint): EndpointAssetItem => {
  const resolved = resolveAsset(view.state, e.id)
  const asset = resolved.haloAssetId !== undefined ? view.assets.get(resolved.haloAssetId) : undefined
  const label = e.label?.trim() ? e.label : undefined
  return {
    endpointId: e.id,
    endpointName: e.name,
    ...(label !== undefined ? { label } : {}),
    ip: e.ip ?? null,
    mac: e.macs[0] !== undefined ? formatMac(e.macs[0]) : null,
    macs: e.macs.map(formatMac),
    ...(e.fqdn !== undefined ? { fqdn: e.fqdn } : {}),
    ...(asset
      ? {
          haloAssetId: asset.id,
          haloAssetName: assetName(asset),
          ...(asset.inventoryNumber !== undefined ? { haloAssetTag: asset.inventoryNumber } : {})
        }
      : {}),
    matchedBy: asset ? resolved.matchedBy : 'none',
    ...(resolved.override !== undefined ? { override: resolved.override } : {})
  }
}

const sortKey = (name: string, id: string | number) => `${name.toLowerCase()}\u0000${String(id)}`

const encodeCursor = (key: string) => Buffer.from(`a:${key}`, 'utf8').toString('base64url')
const decodeCursor = (cursor: string): string => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!text.startsWith('a:')) throw new DomainError('invalid_cursor', 'the cursor is not one this API issued')
  return text.slice(2)
}

/** A page of rows sorted by key, after the cursor's key. */
export const pageOf = <T>(
  rows: { key: string; row: T }[],
  options: { limit: number; cursor?: string | undefined }
): { items: T[]; nextCursor: string | null } => {
  const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined
  const sorted = rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const start = after === undefined ? 0 : sorted.findIndex((r) => r.key > after)
  const slice = start < 0 ? [] : sorted.slice(start, start + options.limit)
  const more = start >= 0 && start + options.limit < sorted.length
  return { items: slice.map((r) => r.row), nextCursor: more ? encodeCursor(slice.at(-1)!.key) : null }
}

const has = (needle: string, ...values: (string | undefined | null)[]) =>
  values.some((v) => v !== undefined && v !== null && v.toLowerCase().includes(needle))

export const endpointRows = (view: DirectoryView, filter: { status: string; search?: string | undefined }) => {
  const needle = filter.search?.trim().toLowerCase()
  return view.endpoints
    .map((e) => endpointItem(view, e))
    .filter((i) => filter.status === 'all' || (filter.status === 'matched') === (i.haloAssetId !== undefined))
    .filter(
      (i) =>
        !needle ||
        has(needle, i.endpointName, i.label, i.ip, i.fqdn, i.haloAssetName, i.haloAssetTag, ...i.macs, i.endpointId)
    )
    .map((row) => ({ key: sortKey(row.endpointName, row.endpointId), row }))
}

export const assetRows = (view: DirectoryView, search?: string) => {
  const needle = search?.trim().toLowerCase()
  const carriedBy = new Map<number, string[]>()
  for (const e of view.endpoints) {
    const id = endpointItem(view, e).haloAssetId
    if (id !== undefined) carriedBy.set(id, [...(carriedBy.get(id) ?? []), e.id])
  }
  return [...view.assets.values()]
    .filter((a) => !needle || has(needle, assetName(a), a.inventoryNumber, a.assetType, a.site, String(a.id)))
    .map((a): { key: string; row: HaloAssetItem } => ({
      key: sortKey(assetName(a), a.id),
      row: {
        id: a.id,
        name: assetName(a),
        ...(a.inventoryNumber !== undefined ? { inventoryNumber: a.inventoryNumber } : {}),
        ...(a.assetType !== undefined ? { assetType: a.assetType } : {}),
        ...(a.site !== undefined ? { site: a.site } : {}),
        endpointIds: carriedBy.get(a.id) ?? []
      }
    }))
}
