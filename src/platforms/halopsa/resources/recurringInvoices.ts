import { z } from 'zod'
import { PlatformError } from '../../transport/errors.js'
import type { HaloHttp } from '../http.js'
import { deletedSchema, recurringInvoiceSchema, type RecurringInvoice } from '../schemas.js'
import { haloSingle } from '../wire.js'
import { fetchAll } from './pages.js'

/**
 * Recurring invoices: templates with negative ids. Posting `lines` replaces the whole line set
 * (docs/platforms/halopsa.md#recurring-invoices), so quantities are set by read-modify-write of
 * every line, leaving lines the relay does not own exactly as they were. Lines whose quantity Halo
 * calculates (`recurring_invoice_quantity_type` other than 0) are never written: see LineSkip.
 */

export type LineQuantity = {
  itemId: number
  quantity: number
  /** Only sent when given; otherwise Halo keeps the line's price (or the item's for a new line). */
  unitPrice?: number
  /** Short description for a line the relay adds. */
  description?: string
}

export type LineChange = { itemId: number; lineId: number | null; before: number | null; after: number }

/**
 * An item whose only line on the invoice has a quantity Halo calculates (from licences, users or
 * assets): the relay leaves it alone rather than overwrite it (or add a second, manual line that
 * would bill the item twice).
 */
export type LineSkip = {
  itemId: number
  lineId: number
  quantityType: number
  /** The line's quantity as read, and what the relay would have set. */
  quantity: number
  wanted: number
  reason: 'automatic_quantity'
}

export type LineResult = { invoice: RecurringInvoice; changes: LineChange[]; skipped: LineSkip[] }

export type HaloRecurringInvoices = {
  /** Every recurring invoice with its lines, in ceil(N / pageSize) calls (inventory and billing runs). */
  all(options?: { pageSize?: number }): Promise<RecurringInvoice[]>
  /** The client's recurring invoices, with their lines. */
  listForClient(clientId: number): Promise<RecurringInvoice[]>
  /** With lines; null when Halo answers 404. */
  get(id: number): Promise<RecurringInvoice | null>
  /**
   * A new template named after the client, as Bitdefender's own integration does
   * (docs/platforms/halopsa.md#recurring-invoices). Not idempotent.
   */
  createForClient(client: { id: number; name: string }, options?: { lines?: LineQuantity[] }): Promise<RecurringInvoice>
  /** True when deleted, false when it was already gone. */
  delete(id: number): Promise<boolean>
  /**
   * Sets the quantity of each item's line (adding a line for an item that has none) and posts the
   * whole line set back. No call is made when nothing changes. A missing invoice is a
   * PlatformError of kind `not_found`.
   */
  setLineQuantities(invoiceId: number, lines: LineQuantity[]): Promise<LineResult>
  /**
   * The same on an invoice the caller has just read (e.g. from `all()`), saving the GET: one call
   * per invoice, none when nothing changes. Lines a human changed since that read are overwritten
   * with the read values, so read shortly before.
   */
  applyLineQuantities(invoice: RecurringInvoice, lines: LineQuantity[]): Promise<LineResult>
  /**
   * `applyLineQuantities` for many invoices at once: the changed ones are posted together, up to
   * `batchSize` per array POST (Halo updates every element of an array), so billing 2,000 clients
   * costs tens of calls instead of thousands. A batch Halo refuses is retried one invoice per call,
   * so one bad invoice fails alone. Results come back in the order given.
   */
  applyLineQuantitiesMany(
    entries: { invoice: RecurringInvoice; lines: LineQuantity[] }[],
    options?: { batchSize?: number }
  ): Promise<BatchLineResult[]>
}

type BatchLineResult = { invoiceId: number; changes: LineChange[]; skipped: LineSkip[]; error?: PlatformError }

const newLine = (line: LineQuantity): Record<string, unknown> => ({
  _itemid: line.itemId,
  qty_order: line.quantity,
  ...(line.unitPrice !== undefined ? { unit_price: line.unitPrice } : {}),
  ...(line.description !== undefined ? { item_shortdescription: line.description } : {})
})

const checkQuantities = (lines: LineQuantity[]) => {
  const seen = new Set<number>()
  for (const line of lines) {
    if (!Number.isInteger(line.itemId) || line.itemId <= 0)
      throw new RangeError(`itemId must be a positive integer (got ${line.itemId})`)
    if (!Number.isFinite(line.quantity) || line.quantity < 0)
      throw new RangeError(`quantity for item ${line.itemId} must be a non-negative number`)
    if (seen.has(line.itemId)) throw new RangeError(`item ${line.itemId} is listed twice`)
    seen.add(line.itemId)
  }
}

type InvoiceLine = RecurringInvoice['lines'][number]

/**
 * The line that carries an item's quantity: a manual one is the relay's to set (an active one
 * preferred: a human may have left an inactive one beside it); `index` is -1 when there is none,
 * and `automatic` is the item's line whose quantity Halo calculates, if any.
 */
export const itemLine = (invoice: RecurringInvoice, itemId: number): { index: number; automatic?: InvoiceLine } => {
  const manual = (l: InvoiceLine) => l.itemId === itemId && l.quantityType === 0
  let index = invoice.lines.findIndex((l) => manual(l) && !l.inactive)
  if (index < 0) index = invoice.lines.findIndex(manual)
  const automatic = invoice.lines.find((l) => l.itemId === itemId && l.quantityType !== 0)
  return { index, ...(automatic ? { automatic } : {}) }
}

/**
 * The full line set with the wanted quantities, and what changes (nothing to post when empty): a
 * pure function of the invoice as read, so a billing preview computes exactly what a write would
 * post.
 */
export const planLineQuantities = (
  invoice: RecurringInvoice,
  wanted: LineQuantity[]
): { lines: Record<string, unknown>[]; changes: LineChange[]; skipped: LineSkip[] } => {
  const lines = invoice.lines.map((line) => ({ ...line.raw }))
  const changes: LineChange[] = []
  const skipped: LineSkip[] = []
  for (const want of wanted) {
    const { index, automatic } = itemLine(invoice, want.itemId)
    if (index < 0 && automatic) {
      skipped.push({
        itemId: want.itemId,
        lineId: automatic.id,
        quantityType: automatic.quantityType,
        quantity: automatic.quantity,
        wanted: want.quantity,
        reason: 'automatic_quantity'
      })
      continue
    }
    if (index < 0) {
      lines.push(newLine(want))
      changes.push({ itemId: want.itemId, lineId: null, before: null, after: want.quantity })
      continue
    }
    const line = invoice.lines[index]!
    const priceChanges = want.unitPrice !== undefined && want.unitPrice !== line.unitPrice
    if (line.quantity === want.quantity && !priceChanges) continue
    lines[index]!.qty_order = want.quantity
    if (want.unitPrice !== undefined) lines[index]!.unit_price = want.unitPrice
    changes.push({ itemId: want.itemId, lineId: line.id, before: line.quantity, after: want.quantity })
  }
  return { lines, changes, skipped }
}

export const createRecurringInvoicesApi = (http: HaloHttp): HaloRecurringInvoices => {
  const get = (id: number) =>
    http.find({
      method: 'GET',
      path: `/api/RecurringInvoice/${id}?includedetails=true`,
      call: 'GET /api/RecurringInvoice/{id}',
      idempotent: true,
      schema: recurringInvoiceSchema
    })

  const post = (body: Record<string, unknown>, idempotent: boolean) =>
    http.send({
      method: 'POST',
      path: '/api/RecurringInvoice',
      call: 'POST /api/RecurringInvoice',
      body: [body],
      idempotent,
      schema: haloSingle(recurringInvoiceSchema)
    })

  const postMany = (bodies: Record<string, unknown>[]) =>
    http.send({
      method: 'POST',
      path: '/api/RecurringInvoice',
      call: 'POST /api/RecurringInvoice',
      body: bodies,
      idempotent: true,
      schema: z.union([z.array(recurringInvoiceSchema), recurringInvoiceSchema.transform((one) => [one])])
    })

  /** Full line set with the wanted quantities; posted only when something changes. */
  const apply = async (invoice: RecurringInvoice, wanted: LineQuantity[]): Promise<LineResult> => {
    const { lines, changes, skipped } = planLineQuantities(invoice, wanted)
    if (changes.length === 0) return { invoice, changes, skipped }
    // Absolute values over the full line set: sending it twice leaves the same invoice.
    return { invoice: await post({ id: invoice.id, lines }, true), changes, skipped }
  }

  return {
    all: (options = {}) =>
      fetchAll(http, {
        path: '/api/RecurringInvoice',
        key: 'invoices',
        item: recurringInvoiceSchema,
        params: { includelines: true },
        pageSize: options.pageSize ?? 100
      }),
    listForClient: (clientId) =>
      fetchAll(http, {
        path: '/api/RecurringInvoice',
        key: 'invoices',
        item: recurringInvoiceSchema,
        params: { client_id: clientId, includelines: true },
        pageSize: 100
      }),
    get,
    createForClient: (client, options = {}) => {
      checkQuantities(options.lines ?? [])
      return post(
        {
          client_id: client.id,
          client_name: client.name,
          reference: client.name,
          lines: (options.lines ?? []).map(newLine)
        },
        false
      )
    },
    async delete(id) {
      const deleted = await http.find({
        method: 'DELETE',
        path: `/api/RecurringInvoice/${id}`,
        call: 'DELETE /api/RecurringInvoice/{id}',
        idempotent: true,
        schema: deletedSchema
      })
      return deleted !== null
    },
    async setLineQuantities(invoiceId, wanted) {
      checkQuantities(wanted)
      const invoice = await get(invoiceId)
      if (!invoice) {
        throw new PlatformError({
          platform: 'halopsa',
          call: 'GET /api/RecurringInvoice/{id}',
          kind: 'not_found',
          status: 404,
          message: `recurring invoice ${invoiceId} not found`
        })
      }
      return apply(invoice, wanted)
    },
    applyLineQuantities: (invoice, wanted) => {
      checkQuantities(wanted)
      return apply(invoice, wanted)
    },
    async applyLineQuantitiesMany(entries, options = {}) {
      const batchSize = options.batchSize ?? 50
      const results: BatchLineResult[] = entries.map(({ invoice, lines }) => {
        checkQuantities(lines)
        return { invoiceId: invoice.id, changes: [], skipped: [] }
      })
      const planned = entries.map(({ invoice, lines }, index) => ({
        index,
        invoice,
        ...planLineQuantities(invoice, lines)
      }))
      for (const p of planned) results[p.index]!.skipped = p.skipped
      const changed = planned.filter((p) => p.changes.length > 0)
      for (let i = 0; i < changed.length; i += batchSize) {
        const batch = changed.slice(i, i + batchSize)
        try {
          await postMany(batch.map((p) => ({ id: p.invoice.id, lines: p.lines })))
          for (const p of batch) results[p.index]!.changes = p.changes
        } catch (error) {
          if (!(error instanceof PlatformError)) throw error
          // A refused batch: find the culprit by posting one by one. Other failures fail the batch.
          for (const p of batch) {
            if (error.kind !== 'rejected' || batch.length === 1) {
              results[p.index]!.error = error
              continue
            }
            try {
              await post({ id: p.invoice.id, lines: p.lines }, true)
              results[p.index]!.changes = p.changes
            } catch (single) {
              if (!(single instanceof PlatformError)) throw single
              results[p.index]!.error = single
            }
          }
        }
      }
      return results
    }
  }
}
