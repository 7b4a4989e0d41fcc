import type { z } from 'zod'
import type { HaloHttp } from '../http.js'
import { haloList } from '../wire.js'

/** Query strings in Halo's snake_case; undefined values are left out. */
export const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export type Page<T> = { recordCount: number; records: T[] }

/** One page of a list (`pageinate=true&page_size&page_no`, 1-based; docs/platforms/halopsa.md#lists-and-pages). */
export const fetchPage = async <S extends z.ZodType>(
  http: HaloHttp,
  request: {
    path: string
    call: string
    key: string
    item: S
    params: Record<string, string | number | boolean | undefined>
    pageNo: number
    pageSize: number
  }
): Promise<Page<z.output<S>>> => {
  const page = await http.send({
    method: 'GET',
    path:
      request.path +
      query({ pageinate: true, page_size: request.pageSize, page_no: request.pageNo, ...request.params }),
    call: request.call,
    idempotent: true,
    schema: haloList(request.item, request.key)
  })
  return { recordCount: page.record_count, records: page.records }
}

/**
 * Every record of a list in ceil(record_count / page size) calls (HaloAPI's loop), stopping early
 * on a short or empty page so a shrinking list cannot loop forever.
 */
export const fetchAll = async <S extends z.ZodType>(
  http: HaloHttp,
  request: {
    path: string
    call?: string
    key: string
    item: S
    params: Record<string, string | number | boolean | undefined>
    pageSize: number
  }
): Promise<z.output<S>[]> => {
  const all: z.output<S>[] = []
  for (let pageNo = 1; ; pageNo++) {
    const page = await fetchPage(http, { ...request, call: request.call ?? `GET ${request.path}`, pageNo })
    all.push(...page.records)
    if (page.records.length < request.pageSize || all.length >= page.recordCount) return all
  }
}
