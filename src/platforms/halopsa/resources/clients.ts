import type { HaloHttp } from '../http.js'
import { clientSchema, itemSchema, type HaloClient, type HaloItem } from '../schemas.js'
import { fetchAll, fetchPage, type Page } from './pages.js'

/**
 * Clients (`/api/Client`, envelope key `clients`) and items (`/api/Item`, key `items`);
 * docs/platforms/halopsa.md#clients-and-items.
 */

type ClientListOptions = {
  search?: string
  /** Halo lists only active clients unless asked (`includeinactive`). */
  includeInactive?: boolean
  topLevelId?: number
  pageNo?: number
  pageSize?: number
}

export type HaloClients = {
  /** One page. */
  list(options?: ClientListOptions): Promise<Page<HaloClient>>
  /** Every client, in ceil(N / pageSize) calls. */
  all(options?: Omit<ClientListOptions, 'pageNo'>): Promise<HaloClient[]>
  /** The client, or null when Halo answers 404 (deleted); an inactivated client comes back with `inactive: true`. */
  get(id: number): Promise<HaloClient | null>
}

export type ItemListOptions = {
  search?: string
  /** Inactivated items too (`includeactive` and `includeinactive`, as n8n's node asks for "all"). */
  includeInactive?: boolean
  pageSize?: number
}

export type HaloItems = {
  list(options?: ItemListOptions & { pageNo?: number }): Promise<Page<HaloItem>>
  all(options?: ItemListOptions): Promise<HaloItem[]>
  /** The item, or null when it is gone (Halo answers 404). */
  get(id: number): Promise<HaloItem | null>
  /**
   * Ids of every listed item (active and inactive), plus each of `wanted` the list left out that
   * `GET /Item/{id}` still finds. Halo's Item schema has no inactive flag and the list's default
   * for inactive items is unpublished, so an item is "missing" only when Halo answers 404 for it.
   */
  existing(wanted: Iterable<number>, options?: { pageSize?: number }): Promise<Set<number>>
}

const clientParams = (o: ClientListOptions) => ({
  search: o.search,
  includeinactive: o.includeInactive ? true : undefined,
  toplevel_id: o.topLevelId
})

export const createClientsApi = (http: HaloHttp, defaultPageSize: number): HaloClients => ({
  list: (options = {}) =>
    fetchPage(http, {
      path: '/api/Client',
      call: 'GET /api/Client',
      key: 'clients',
      item: clientSchema,
      params: clientParams(options),
      pageNo: options.pageNo ?? 1,
      pageSize: options.pageSize ?? defaultPageSize
    }),
  all: (options = {}) =>
    fetchAll(http, {
      path: '/api/Client',
      key: 'clients',
      item: clientSchema,
      params: clientParams(options),
      pageSize: options.pageSize ?? defaultPageSize
    }),
  get: (id) =>
    http.find({
      method: 'GET',
      path: `/api/Client/${id}`,
      call: 'GET /api/Client/{id}',
      idempotent: true,
      schema: clientSchema
    })
})

const itemParams = (o: ItemListOptions) => ({
  search: o.search,
  includeactive: o.includeInactive ? true : undefined,
  includeinactive: o.includeInactive ? true : undefined
})

export const createItemsApi = (http: HaloHttp, defaultPageSize: number): HaloItems => {
  const all = (options: ItemListOptions = {}) =>
    fetchAll(http, {
      path: '/api/Item',
      key: 'items',
      item: itemSchema,
      params: itemParams(options),
      pageSize: options.pageSize ?? defaultPageSize
    })
  const get = (id: number) =>
    http.find({
      method: 'GET',
      path: `/api/Item/${id}`,
      call: 'GET /api/Item/{id}',
      idempotent: true,
      schema: itemSchema
    })
  return {
    list: (options = {}) =>
      fetchPage(http, {
        path: '/api/Item',
        call: 'GET /api/Item',
        key: 'items',
        item: itemSchema,
        params: itemParams(options),
        pageNo: options.pageNo ?? 1,
        pageSize: options.pageSize ?? defaultPageSize
      }),
    all,
    get,
    async existing(wanted, options = {}) {
      const ids = new Set((await all({ includeInactive: true, ...options })).map((i) => i.id))
      for (const id of new Set(wanted)) if (!ids.has(id) && (await get(id)) !== null) ids.add(id)
      return ids
    }
  }
}
