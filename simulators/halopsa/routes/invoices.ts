import type { FastifyInstance } from 'fastify'
import type { SimContext } from '../context.js'
import { registerResource, truthy, type FieldErrors } from '../resource.js'
import { haloTime, num, type Row } from '../state.js'
import { invoiceHeaderRow, lineRow, recomputeInvoice } from '../rows.js'
import { clientExists } from './customers.js'
import { bodyRefusal } from '../openapi.js'

/**
 * Recurring invoices (negative ids; posting `lines` replaces the set — the strict reading of Halo's
 * behaviour, to catch clients that forget lines), line-level updates, processing into invoices
 * (docs/platforms/halopsa.md#recurring-invoices).
 */

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Lines must be objects; a new (or re-pointed) line must name an item that exists. */
const checkLines = (ctx: SimContext, lines: unknown, at: string, invoice?: Row): FieldErrors => {
  if (lines === undefined) return {}
  if (!Array.isArray(lines)) return { [`${at}.lines`]: 'lines must be an array' }
  const current = new Map(((invoice?.lines as Row[] | undefined) ?? []).map((l) => [l.id, l._itemid]))
  const errors: FieldErrors = {}
  lines.forEach((line, i) => {
    if (!isObject(line)) errors[`${at}.lines[${i}]`] = 'Each line must be an object'
    else {
      const itemId = num(line, '_itemid')
      const unchanged = current.get(num(line, 'id')) === itemId
      if (itemId !== undefined && itemId > 0 && !unchanged && !ctx.data.items.get(itemId))
        errors[`${at}.lines[${i}]._itemid`] = `Item ${itemId} does not exist`
    }
  })
  return errors
}

/**
 * A line whose quantity Halo calculates (recurring_invoice_quantity_type other than 0: licences,
 * users, assets) keeps its quantity whatever is posted: the simulator's reading of "Halo computes
 * it" (usehalo.com, "automating quantities in recurring invoices"); what real Halo does with a
 * posted quantity on such a line is unpublished.
 */
const automatic = (line: Row) => (num(line, 'recurring_invoice_quantity_type') ?? 0) !== 0
const mergeLine = (existing: Row, posted: Row, ihid: unknown): Row => ({
  ...existing,
  ...posted,
  ...(automatic(existing) ? { qty_order: existing.qty_order } : {}),
  id: existing.id,
  ihid
})

/** The posted set becomes the line set: known ids are merged, new lines added, the rest removed. */
const replaceLines = (ctx: SimContext, invoice: Row, posted: Row[]) => {
  const current = new Map(((invoice.lines as Row[]) ?? []).map((l) => [l.id as number, l]))
  invoice.lines = posted.map((line, i) => {
    const existing = current.get(num(line, 'id') ?? 0)
    return existing
      ? mergeLine(existing, line, invoice.id)
      : lineRow(ctx.data, invoice.id as number, { ...line, id: undefined }, i + 1)
  })
}

const findLine = (ctx: SimContext, lineId: number): { invoice: Row; line: Row } | undefined => {
  for (const invoice of ctx.data.recurringInvoices.rows.values()) {
    const line = (invoice.lines as Row[]).find((l) => l.id === lineId)
    if (line) return { invoice, line }
  }
  return undefined
}

/** Deletes one line as a human would in Halo's UI. */
export const removeInvoiceLine = (ctx: SimContext, invoiceId: number, lineId: number): boolean => {
  const invoice = ctx.data.recurringInvoices.get(invoiceId)
  const lines = (invoice?.lines as Row[] | undefined) ?? []
  if (!invoice || !lines.some((l) => l.id === lineId)) return false
  invoice.lines = lines.filter((l) => l.id !== lineId)
  recomputeInvoice(invoice)
  return true
}

const registerLineUpdates = (app: FastifyInstance, ctx: SimContext, path: string) => {
  app.post(path, { config: { halo: { area: 'invoices' } } }, async (request, reply) => {
    const body = request.body
    if (!Array.isArray(body)) return reply.code(400).send({ $: 'The request body must be a JSON array of objects' })
    const refused = bodyRefusal('POST', path, body)
    if (refused) return reply.code(400).send(refused)
    const errors: FieldErrors = {}
    body.forEach((line: unknown, i) => {
      if (!isObject(line)) return void (errors[`[${i}]`] = 'Each element must be an object')
      const id = num(line, 'id')
      if (id) return void (findLine(ctx, id) ? undefined : (errors[`[${i}].id`] = `No line with id ${id}`))
      if (!ctx.data.recurringInvoices.get(num(line, 'ihid') ?? 0))
        errors[`[${i}].ihid`] = 'A valid recurring invoice must be given'
      Object.assign(errors, checkLines(ctx, [line], `[${i}]`))
    })
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors)
    const written = (body as Row[]).map((posted) => {
      const found = findLine(ctx, num(posted, 'id') ?? 0)
      if (found) {
        Object.assign(found.line, mergeLine(found.line, posted, found.invoice.id))
        recomputeInvoice(found.invoice)
        return found.line
      }
      const invoice = ctx.data.recurringInvoices.get(num(posted, 'ihid')!)!
      const line = lineRow(
        ctx.data,
        invoice.id as number,
        { ...posted, id: undefined },
        (invoice.lines as Row[]).length + 1
      )
      ;(invoice.lines as Row[]).push(line)
      recomputeInvoice(invoice)
      return line
    })
    return written.length === 1 ? written[0] : written
  })
}

const nextMonth = (iso: string, now: number) => {
  const at = Date.parse(`${iso}Z`)
  const d = new Date(Number.isNaN(at) || iso.startsWith('1899') ? now : at)
  return haloTime(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()))
}

export const registerInvoices = (app: FastifyInstance, ctx: SimContext): void => {
  registerResource(app, ctx, {
    path: '/api/RecurringInvoice',
    key: 'invoices',
    scope: { area: 'invoices' },
    table: (c) => c.data.recurringInvoices,
    filter: (row, q) =>
      (q.client_id === undefined || String(row.client_id) === q.client_id) &&
      (q.client_ids === undefined || q.client_ids.split(',').includes(String(row.client_id))),
    searchText: (row) => `${String(row.client_name)} ${String(row.reference)}`,
    view: (row, _c, q, one) => (one || truthy(q.includelines) ? structuredClone(row) : { ...row, lines: undefined }),
    validate: (input, existing, at, c) => ({
      ...clientExists(c, input, existing, at),
      ...checkLines(c, input.lines, at, existing)
    }),
    create: (input, id, c) => {
      const { lines, ...header } = input
      const invoice = invoiceHeaderRow(id, c.data.clients.get(num(input, 'client_id')!), header, c.clock.now())
      replaceLines(c, invoice, (lines as Row[] | undefined) ?? [])
      return recomputeInvoice(invoice)
    },
    update: (row, input, c) => {
      const { lines, ...header } = input
      Object.assign(row, header, { id: row.id })
      if ('client_id' in header) row.client_name = c.data.clients.get(num(header, 'client_id')!)?.name ?? ''
      if (Array.isArray(lines)) replaceLines(c, row, lines as Row[])
      recomputeInvoice(row)
    }
  })

  registerLineUpdates(app, ctx, '/api/RecurringInvoice/updatelines')
  registerLineUpdates(app, ctx, '/api/RecurringInvoice/Lines')

  app.post('/api/RecurringInvoice/process', { config: { halo: { area: 'invoices' } } }, async (request, reply) => {
    const body = request.body
    if (!Array.isArray(body))
      return reply.code(400).send({ $: 'The request body must be a JSON array of recurring invoice ids' })
    const refused = bodyRefusal('POST', '/api/RecurringInvoice/process', body)
    if (refused) return reply.code(400).send(refused)
    const ids = body.map((v: unknown) => (isObject(v) ? num(v, 'id') : typeof v === 'number' ? v : Number(v)))
    const errors: FieldErrors = {}
    ids.forEach((id, i) => {
      if (id === undefined || !ctx.data.recurringInvoices.get(id))
        errors[`[${i}]`] = `No recurring invoice ${String(body[i])}`
    })
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors)
    const now = ctx.clock.now()
    const created = ids.map((rid) => {
      const template = ctx.data.recurringInvoices.get(rid!)!
      const id = ctx.data.invoices.next()
      const lines = (template.lines as Row[])
        .filter((l) => l.isinactive !== true)
        .map((l) => ({ ...structuredClone(l), id: ctx.data.nextLineId(), ihid: id }))
      const invoice: Row = {
        id,
        client_id: template.client_id,
        client_name: template.client_name,
        recurring_invoice_id: template.id,
        reference: template.reference,
        invoice_date: haloTime(now),
        lines
      }
      ctx.data.invoices.rows.set(id, recomputeInvoice(invoice))
      template.lastcreated = haloTime(now)
      template.nextcreationdate = nextMonth(String(template.nextcreationdate), now)
      return invoice
    })
    return created.length === 1 ? created[0] : created
  })

  registerResource(app, ctx, {
    path: '/api/Invoice',
    key: 'invoices',
    scope: { area: 'invoices' },
    table: (c) => c.data.invoices,
    filter: (row, q) =>
      (q.client_id === undefined || String(row.client_id) === q.client_id) &&
      (q.recurring_invoice_id === undefined || String(row.recurring_invoice_id) === q.recurring_invoice_id),
    routes: { post: false }
  })
}
