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

export type HaloItems = {
  list(options?: { search?: string; pageNo?: number; pageSize?: number }): Promise<Page<HaloItem>>
  all(options?: { search?: string; pageSize?: number }): Promise<HaloItem[]>
  /** The item, or null when it is gone (Halo answers 404). */
  get(id: number): Promise<HaloItem | null>
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

export const createItemsApi = (http: HaloHttp, defaultPageSize: number): HaloItems => ({
  list: (options = {}) =>
    fetchPage(http, {
      path: '/api/Item',
      call: 'GET /api/Item',
      key: 'items',
      item: itemSchema,
      params: { search: options.search },
      pageNo: options.pageNo ?? 1,
      pageSize: options.pageSize ?? defaultPageSize
    }),
  all: (options = {}) =>
    fetchAll(http, {
      path: '/api/Item',
      key: 'items',
      item: itemSchema,
      params: { search: options.search },
      pageSize: options.pageSize ?? defaultPageSize
    }),
  get: (id) =>
    http.find({
      method: 'GET',
      path: `/api/Item/${id}`,
      call: 'GET /api/Item/{id}',
      idempotent: true,
      schema: itemSchema
    })
})
