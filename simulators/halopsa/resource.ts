import type { FastifyInstance, FastifyReply } from 'fastify'
import type { SimContext } from './context.js'
import { bodyRefusal } from './openapi.js'
import type { Row, Table } from './state.js'

/**
 * Halo's common behaviour for one resource (docs/platforms/halopsa.md#api-conventions): lists with
 * `pageinate/page_size/page_no/count/search/order/orderdesc/idonly` in an envelope or as a bare
 * array, single GET (404 when unknown), POST of a JSON array (create without id, partial update
 * with id, one object back for one element; the body checked against Halo's published schema
 * first, see openapi.ts), DELETE answering the deleted object.
 */

export type Query = Record<string, string | undefined>
export type FieldErrors = Record<string, string>
export type Area = { area: string; admin?: boolean }

export type Resource<K extends number | string = number> = {
  path: string
  /** Envelope key, or null for a bare array (Status, TicketType, Priority). */
  key: string | null
  scope: Area
  table(ctx: SimContext): Table<K>
  parseId?(raw: string): K | undefined
  /** Resource-specific list filters; rows failing them are not listed. */
  filter?(row: Row, q: Query, ctx: SimContext): boolean
  /** The text `search` looks in (default: name). */
  searchText?(row: Row): string
  maxPageSize?: number
  /** The answer for a row; `one` is true for a single GET or a POST answer, false in lists. */
  view?(row: Row, ctx: SimContext, q: Query, one: boolean): Row
  /** Field-keyed problems with a posted element (`at` is its prefix, `[0]`). */
  validate?(input: Row, existing: Row | undefined, at: string, ctx: SimContext): FieldErrors
  create?(input: Row, id: K, ctx: SimContext): Row
  update?(row: Row, input: Row, ctx: SimContext): void
  afterWrite?(before: Row | undefined, after: Row, ctx: SimContext): void
  /** Removes the row; answer field errors to refuse. */
  remove?(row: Row, ctx: SimContext, q: Query): FieldErrors | void
  routes?: { list?: boolean; get?: boolean; post?: boolean; delete?: boolean }
}

export const intId = (raw: string): number | undefined => (/^-?\d+$/.test(raw) ? Number(raw) : undefined)
export const truthy = (v: string | undefined) => v !== undefined && v.toLowerCase() === 'true'
const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v)

export const notFound = (reply: FastifyReply, what: string) =>
  reply.code(404).send({ ClassName: 'HaloNotFound', Message: `${what} not found` })

/** Slices and wraps rows the way Halo lists do; `maxPageSize` violations become a 400 (or are clamped). */
export const listAnswer = (
  rows: Row[],
  q: Query,
  key: string | null,
  options: { maxPageSize?: number; clamp?: boolean; view?: (row: Row) => Row }
): { status: number; body: unknown } => {
  if (q.order) {
    const field = q.order.toLowerCase()
    rows.sort((a, b) => String(a[field] ?? '').localeCompare(String(b[field] ?? ''), undefined, { numeric: true }))
  }
  if (truthy(q.orderdesc)) rows.reverse()
  const recordCount = rows.length
  let page: Row[] = rows
  let paging: Row = {}
  if (truthy(q.pageinate)) {
    let size = Math.max(1, Number(q.page_size ?? 50) || 50)
    if (options.maxPageSize !== undefined && size > options.maxPageSize) {
      if (!options.clamp)
        return { status: 400, body: { page_size: `page_size must not exceed ${options.maxPageSize}` } }
      size = options.maxPageSize
    }
    const pageNo = Math.max(1, Number(q.page_no ?? 1) || 1)
    page = rows.slice((pageNo - 1) * size, pageNo * size)
    paging = { page_no: pageNo, page_size: size }
  } else if (q.count !== undefined && Number(q.count) > 0) {
    page = rows.slice(0, Number(q.count))
  }
  // Only the rows answered are rendered: a page of a large table costs its size, not the table's.
  if (options.view) page = page.map(options.view)
  if (truthy(q.idonly)) page = page.map((r) => ({ id: r.id }))
  return { status: 200, body: key === null ? page : { ...paging, record_count: recordCount, [key]: page } }
}

export const registerResource = <K extends number | string>(
  app: FastifyInstance,
  ctx: SimContext,
  r: Resource<K>
): void => {
  const routes = { list: true, get: true, post: true, delete: true, ...r.routes }
  const parseId = r.parseId ?? (intId as (raw: string) => K | undefined)
  const view = (row: Row, q: Query, one = true) => (r.view ? r.view(row, ctx, q, one) : { ...row })
  const config = { halo: r.scope }

  if (routes.list) {
    app.get(r.path, { config }, async (request, reply) => {
      const q = request.query as Query
      const needle = q.search?.toLowerCase()
      const rows = [...r.table(ctx).rows.values()]
        .filter((row) => (r.filter ? r.filter(row, q, ctx) : true))
        .filter(
          (row) =>
            needle === undefined ||
            (r.searchText ? r.searchText(row) : String(row.name ?? '')).toLowerCase().includes(needle)
        )
        .sort((a, b) => Math.abs(Number(a.id)) - Math.abs(Number(b.id)))
      const answer = listAnswer(rows, q, r.key, {
        view: (row) => view(row, q, false),
        ...(r.maxPageSize !== undefined ? { maxPageSize: r.maxPageSize } : {}),
        clamp: ctx.behaviour.ticketPageSize === 'clamp'
      })
      return reply.code(answer.status).send(answer.body)
    })
  }

  if (routes.get) {
    app.get(`${r.path}/:id`, { config }, async (request, reply) => {
      const id = parseId((request.params as { id: string }).id)
      const row = id === undefined ? undefined : r.table(ctx).get(id)
      if (!row) return notFound(reply, `${r.path.slice(5)} ${(request.params as { id: string }).id}`)
      return view(row, request.query as Query)
    })
  }

  if (routes.post) {
    app.post(r.path, { config }, async (request, reply) => {
      const body = request.body
      if (!Array.isArray(body)) return reply.code(400).send({ $: 'The request body must be a JSON array of objects' })
      // Halo binds the body to its documented model first: a value of the wrong type is a 400.
      const refused = bodyRefusal('POST', r.path, body)
      if (refused) return reply.code(400).send(refused)
      const table = r.table(ctx)
      const errors: FieldErrors = {}
      let missing = false
      const plans = body.map((input: unknown, i) => {
        const at = `[${i}]`
        if (!isObject(input)) {
          errors[at] = 'Each element must be an object'
          return undefined
        }
        const rawId = input.id
        const isCreate = rawId === undefined || rawId === null || rawId === 0 || rawId === '' || rawId === '0'
        const id = isCreate ? undefined : parseId(String(rawId))
        const existing = id === undefined ? undefined : table.get(id)
        if (!isCreate && !existing) {
          errors[`${at}.id`] = `No record with id ${String(rawId)}`
          missing = true
          return undefined
        }
        Object.assign(errors, r.validate?.(input, existing, at, ctx) ?? {})
        return { input, existing }
      })
      if (Object.keys(errors).length > 0) return reply.code(missing ? ctx.behaviour.unknownIdStatus : 400).send(errors)
      const written = plans.map((plan) => {
        const { input, existing } = plan!
        if (existing) {
          const before = structuredClone(existing)
          if (r.update) r.update(existing, input, ctx)
          else Object.assign(existing, input, { id: existing.id })
          r.afterWrite?.(before, existing, ctx)
          return existing
        }
        const id = table.next()
        const row = r.create ? r.create(input, id, ctx) : { ...input, id }
        table.rows.set(id, row)
        r.afterWrite?.(undefined, row, ctx)
        return row
      })
      const q = request.query as Query
      return written.length === 1 ? view(written[0]!, q) : written.map((row) => view(row, q))
    })
  }

  if (routes.delete) {
    app.delete(`${r.path}/:id`, { config }, async (request, reply) => {
      const id = parseId((request.params as { id: string }).id)
      const row = id === undefined ? undefined : r.table(ctx).get(id)
      if (!row || id === undefined)
        return notFound(reply, `${r.path.slice(5)} ${(request.params as { id: string }).id}`)
      const q = request.query as Query
      const refused = r.remove ? r.remove(row, ctx, q) : void r.table(ctx).rows.delete(id)
      if (refused) return reply.code(400).send(refused)
      return view(row, q)
    })
  }
}
