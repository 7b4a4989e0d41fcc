import { isPlatformError } from '../../platforms/transport/errors.js'

/**
 * Reads what a platform lists per owner (a company's endpoints, a client's assets) the cheaper way
 * (docs/assets.md#reading-the-directory): one listing of the whole tenant when it takes no more
 * pages than there are owners to read, else one listing per owner. The size of the whole listing
 * is learnt from its first page (or from the last read); a single owner is read on its own.
 */

export type CheaperRead<Owner, Item> = {
  owners: Owner[]
  /** One page of the whole listing (from 1) and how many pages it has. */
  bulkPage(page: number): Promise<{ pages: number; items: Item[] }>
  /** The owner a listed item belongs to; undefined when the item does not say. */
  ownerOf(item: Item): Owner | undefined
  /** Everything one owner has. */
  perOwner(owner: Owner): Promise<Item[]>
  /** Pages of the whole listing at the last read, when known. */
  knownPages?: number
}

export type CheaperReadResult<Owner, Item> = {
  byOwner: Map<Owner, Item[]>
  /** Owners whose own listing failed (a platform error); the others are read. */
  failed: Map<Owner, Error>
  way: 'bulk' | 'per-owner' | 'none' | 'failed'
  /** Pages of the whole listing, when learnt. */
  pages?: number
}

const MAX_PAGES = 10_000

const perOwner = async <Owner, Item>(
  read: CheaperRead<Owner, Item>,
  pages: number | undefined
): Promise<CheaperReadResult<Owner, Item>> => {
  const byOwner = new Map<Owner, Item[]>()
  const failed = new Map<Owner, Error>()
  for (const owner of read.owners) {
    try {
      byOwner.set(owner, await read.perOwner(owner))
    } catch (error) {
      if (!isPlatformError(error)) throw error
      failed.set(owner, error)
    }
  }
  return { byOwner, failed, way: 'per-owner', ...(pages !== undefined ? { pages } : {}) }
}

export const readCheaper = async <Owner, Item>(
  read: CheaperRead<Owner, Item>
): Promise<CheaperReadResult<Owner, Item>> => {
  const owners = read.owners
  if (owners.length === 0) return { byOwner: new Map(), failed: new Map(), way: 'none' }
  if (read.knownPages !== undefined ? read.knownPages > owners.length : owners.length === 1)
    return perOwner(read, read.knownPages)
  const first = await read.bulkPage(1)
  // Items that do not name their owner cannot be split: each owner is asked instead.
  if (first.pages > owners.length || first.items.some((i) => read.ownerOf(i) === undefined))
    return perOwner(read, first.pages)
  const wanted = new Set(owners)
  const byOwner = new Map(owners.map((o): [Owner, Item[]] => [o, []]))
  const keep = (items: Item[]) => {
    for (const item of items) {
      const owner = read.ownerOf(item)
      if (owner !== undefined && wanted.has(owner)) byOwner.get(owner)!.push(item)
    }
  }
  keep(first.items)
  for (let page = 2; page <= Math.min(first.pages, MAX_PAGES); page++) keep((await read.bulkPage(page)).items)
  return { byOwner, failed: new Map(), way: 'bulk', pages: first.pages }
}
