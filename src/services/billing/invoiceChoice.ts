import type { RecurringInvoice } from '../../platforms/halopsa/schemas.js'

/**
 * Which of a client's recurring invoices a mapping bills to (docs/billing.md#linking), the way
 * Bitdefender's own integration links them: the one the mapping is linked to while it exists;
 * otherwise the client's only active one; among several, the one that already carries the most of
 * the mapped items; and when none stands out, none — the operator chooses among the candidates.
 */

export type InvoiceChoice =
  | { how: 'linked' | 'only' | 'carries-items'; invoice: RecurringInvoice }
  | { how: 'ambiguous'; candidates: RecurringInvoice[] }
  | { how: 'none' }

export const chooseInvoice = (
  linkedId: number | undefined,
  invoices: readonly RecurringInvoice[],
  itemIds: readonly number[]
): InvoiceChoice => {
  const linked = linkedId !== undefined ? invoices.find((i) => i.id === linkedId) : undefined
  if (linked) return { how: 'linked', invoice: linked }
  const active = invoices.filter((i) => !i.disabled)
  if (active.length === 0) return { how: 'none' }
  if (active.length === 1) return { how: 'only', invoice: active[0]! }
  const wanted = new Set(itemIds)
  const carried = (i: RecurringInvoice) =>
    new Set(i.lines.filter((l) => wanted.has(l.itemId ?? 0)).map((l) => l.itemId))
  const scored = active.map((invoice) => ({ invoice, score: carried(invoice).size }))
  const best = Math.max(...scored.map((s) => s.score))
  const top = scored.filter((s) => s.score === best)
  if (best > 0 && top.length === 1) return { how: 'carries-items', invoice: top[0]!.invoice }
  return { how: 'ambiguous', candidates: (best > 0 ? top : scored).map((s) => s.invoice) }
}

/** The invoice billing may use, if the choice gave one. */
export const chosenInvoice = (choice: InvoiceChoice): RecurringInvoice | undefined =>
  'invoice' in choice ? choice.invoice : undefined

/** The candidates as the recurring-invoice-missing event lists them (bounded). */
export const candidatesOf = (choice: InvoiceChoice) =>
  choice.how === 'ambiguous'
    ? choice.candidates.slice(0, 50).map((i) => ({
        recurringInvoiceId: i.id,
        ...(i.reference ? { reference: i.reference.slice(0, 200) } : {})
      }))
    : undefined
