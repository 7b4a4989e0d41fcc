import type { HaloHttp } from '../http.js'
import { assetSchema, type HaloAsset } from '../schemas.js'
import { fetchAll, fetchPage, type Page } from './pages.js'

/**
 * Assets (`/api/Asset`, envelope key `assets`; docs/platforms/halopsa.md#assets): read in pages,
 * for one client (`client_id`) or for the whole instance, with the asset type's field values
 * (`includeassetfields`). Inactive assets are left out, as the list leaves them out unless asked.
 */

type AssetListOptions = { clientId?: number; pageSize: number }

export type HaloAssets = {
  /** One page (`page_no` from 1); `recordCount` is the whole list's size. */
  page(options: AssetListOptions & { pageNo: number }): Promise<Page<HaloAsset>>
  /** Every asset of the list, in ceil(N / pageSize) calls. */
  all(options: AssetListOptions): Promise<HaloAsset[]>
}

const params = (o: AssetListOptions) => ({ client_id: o.clientId, includeassetfields: true })

const active = (assets: HaloAsset[]) => assets.filter((a) => !a.inactive)

export const createAssetsApi = (http: HaloHttp): HaloAssets => ({
  page: async (options) => {
    const answer = await fetchPage(http, {
      path: '/api/Asset',
      call: 'GET /api/Asset',
      key: 'assets',
      item: assetSchema,
      params: params(options),
      pageNo: options.pageNo,
      pageSize: options.pageSize
    })
    return { recordCount: answer.recordCount, records: active(answer.records) }
  },
  all: async (options) =>
    active(
      await fetchAll(http, {
        path: '/api/Asset',
        call: 'GET /api/Asset',
        key: 'assets',
        item: assetSchema,
        params: params(options),
        pageSize: options.pageSize
      })
    )
})
