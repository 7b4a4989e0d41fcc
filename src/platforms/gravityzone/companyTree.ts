import { isPlatformError } from '../transport/errors.js'
import type { CompanyRef, InventoryItem, Page } from './schemas.js'

/**
 * The two ways to see every company under the key (docs/platforms/gravityzone.md#companies):
 * - the tree walk over `network.getCompaniesList`, one level per call, descending into partner-type
 *   children only (a customer-type parentId answers -32602, i.e. no children);
 * - the paginated `network.getNetworkInventoryItems` listing, up to 1000 items per call on v1.1,
 *   which is what an inventory poll over thousands of mappings should use.
 */

export type CompanyTreeNode = {
  id: string
  name: string
  /** The parent asked for; null for the companies directly under the key's own company. */
  parentId: string | null
  type: 'partner' | 'customer'
  /** 1 for the companies directly under the root. */
  depth: number
}

/** Lists the children of a parent; `partnersOnly` asks with `filters.companyType = 0`. */
export type ListChildren = (parentId: string | undefined, partnersOnly: boolean) => Promise<CompanyRef[]>

const INVALID_PARAMS = -32602

const isInvalidParams = (error: unknown): boolean => isPlatformError(error) && error.rpcCode === INVALID_PARAMS

/** The children of `parentId`, or undefined when GravityZone says it cannot have any (a customer). */
const childrenOf = async (list: ListChildren, parentId: string | undefined): Promise<CompanyRef[] | undefined> => {
  try {
    return await list(parentId, false)
  } catch (error) {
    if (isInvalidParams(error)) return undefined
    throw error
  }
}

/**
 * The ids of the partner-type children; undefined when the filter is refused (one live report says
 * the method takes no params): then every child is descended into and its own listing decides.
 */
const partnerIdsOf = async (
  list: ListChildren,
  parentId: string | undefined,
  children: CompanyRef[]
): Promise<Set<string> | undefined> => {
  if (children.length === 0) return new Set()
  try {
    return new Set((await list(parentId, true)).map((c) => c.id))
  } catch (error) {
    if (isInvalidParams(error)) return undefined
    throw error
  }
}

export const walkCompanyTree = async (list: ListChildren, rootId?: string): Promise<CompanyTreeNode[]> => {
  const nodes = new Map<string, CompanyTreeNode>()
  let level: (string | undefined)[] = [rootId]
  for (let depth = 1; level.length > 0; depth++) {
    const found = await Promise.all(
      level.map(async (parentId) => {
        const children = await childrenOf(list, parentId)
        const parent = parentId === undefined ? undefined : nodes.get(parentId)
        // Only reached for a child of unknown type: answering "no children" makes it a customer.
        if (parent) parent.type = children === undefined ? 'customer' : 'partner'
        const fresh = (children ?? []).filter((c) => !nodes.has(c.id))
        const partners = await partnerIdsOf(list, parentId, fresh)
        return fresh.map((c) => ({ c, parentId, partner: partners?.has(c.id) }))
      })
    )
    const next: string[] = []
    for (const { c, parentId, partner } of found.flat()) {
      if (nodes.has(c.id)) continue
      nodes.set(c.id, {
        id: c.id,
        name: c.name,
        parentId: parentId ?? null,
        type: partner === false ? 'customer' : 'partner',
        depth
      })
      if (partner !== false) next.push(c.id)
    }
    level = next
  }
  return [...nodes.values()]
}

/** Every item of a paginated list, one call per page (stops at `pagesCount`). */
export const pageThrough = async <T>(getPage: (page: number) => Promise<Page<T>>, maxPages = 100_000): Promise<T[]> => {
  const items: T[] = []
  for (let page = 1; page <= maxPages; page++) {
    const result = await getPage(page)
    items.push(...result.items)
    if (result.items.length === 0 || page >= result.pagesCount) break
  }
  return items
}

export type InventoryCompany = {
  id: string
  name: string
  parentId: string | null
  /** 0 partner, 1 customer, when the item says. */
  companyType?: 0 | 1
  isSuspended?: boolean
}

/** A company as the inventory listing reports it; the `details` fields are read when present. */
export const inventoryCompany = (item: InventoryItem): InventoryCompany => {
  const details = (item.details ?? {}) as Record<string, unknown>
  const companyType = details.type ?? details.companyType
  return {
    id: item.id,
    name: item.name,
    parentId: item.parentId ?? null,
    ...(companyType === 0 || companyType === 1 ? { companyType } : {}),
    ...(typeof details.isSuspended === 'boolean' ? { isSuspended: details.isSuspended } : {})
  }
}
