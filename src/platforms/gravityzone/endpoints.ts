import { EndpointIdentity, type EndpointListItem, type InventoryItem } from './schemas.js'

/**
 * Endpoints as the asset directory reads them (docs/assets.md#reading-the-directory): from
 * `getEndpointsList` under one company, or from `getNetworkInventoryItems` over the whole tree,
 * whose computer and virtual machine items carry the same fields in `details` and the owning
 * company in `companyId` (BD-DOC 77212-128494's example).
 */

export type GzEndpoint = {
  id: string
  name: string
  /** Only on inventory items (the doc's example has it; getEndpointsList's does not). */
  companyId?: string
  label?: string
  ip?: string
  macs: string[]
  fqdn?: string
  /** The Active Directory SID, per BD-DOC 77212-128494. */
  ssid?: string
}

const text = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

const endpoint = (
  base: { id: string; name: string; companyId?: string | null | undefined },
  identity: Partial<{
    label: string | null
    fqdn: string | null
    ip: string | null
    macs: string[] | null
    ssid: string | null
  }>
): GzEndpoint => {
  const label = text(identity.label)
  const ip = text(identity.ip)
  const fqdn = text(identity.fqdn)
  const ssid = text(identity.ssid)
  const companyId = text(base.companyId)
  return {
    id: base.id,
    name: base.name,
    ...(companyId ? { companyId } : {}),
    ...(label ? { label } : {}),
    ...(ip ? { ip } : {}),
    macs: (identity.macs ?? []).map((m) => m.trim()).filter(Boolean),
    ...(fqdn ? { fqdn } : {}),
    ...(ssid ? { ssid } : {})
  }
}

export const fromEndpointListItem = (item: EndpointListItem): GzEndpoint => endpoint(item, item)

/** An inventory item of type computer or virtual machine; its `details` are read when they parse. */
export const fromInventoryItem = (item: InventoryItem): GzEndpoint => {
  const details = EndpointIdentity.safeParse(item.details ?? {})
  return endpoint(item, details.success ? details.data : {})
}
