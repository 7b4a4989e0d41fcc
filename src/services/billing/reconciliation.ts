import type { GravityZoneClient } from '../../platforms/gravityzone/client.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import { wantedByItem, type BillingPlan, type PlanEntry } from './plan.js'
import type { UsageReader } from './usageReader.js'

/**
 * The monthly reconciliation (GET /api/billing/reconciliation; docs/billing.md#reconciliation):
 * GravityZone's usage for the month against the quantities on each mapped invoice as HaloPSA holds
 * them now, one row per mapping and item, with what differs flagged. Companies with usage but no
 * mapping come from GravityZone's company list (the one the poll reads); their usage is asked for
 * at most `unmappedLimit` of them per reconciliation, so a tenant with thousands of unmapped
 * companies does not spend GravityZone's licensing budget (5 requests a second) on them: the
 * others are counted as not checked.
 */

export const reconciliationFlags = [
  'under-billed',
  'over-billed',
  'unmapped-usage',
  'automatic-quantity',
  'billing-off-with-usage',
  'usage-jump'
] as const
export type ReconciliationFlag = (typeof reconciliationFlags)[number]

export type ReconciliationRow = {
  customer: string
  gravityzoneCompanyId: string
  mappingId: string | null
  halopsaClientId: number | null
  recurringInvoiceId: number | null
  billing: 'on' | 'off' | 'unmapped'
  itemId: number | null
  usage: string | null
  gravityzoneQuantity: number | null
  halopsaQuantity: number | null
  /** HaloPSA's quantity minus GravityZone's (negative: under-billed). */
  difference: number | null
  flags: ReconciliationFlag[]
  /** Why the mapping is not billed (the preview's reason), if it is not. */
  skipped?: string
}

export type Reconciliation = {
  month: string
  rows: ReconciliationRow[]
  totals: {
    rows: number
    mappings: number
    flags: Record<ReconciliationFlag, number>
    unmapped: { companies: number; checked: number; notChecked: number; failed: number }
  }
}

const hasUsage = (counters: Record<string, number> | undefined) => Object.values(counters ?? {}).some((n) => n > 0)

const mappingRows = (entry: PlanEntry): ReconciliationRow[] => {
  const { plan } = entry
  const base = {
    customer: plan.customer,
    gravityzoneCompanyId: plan.gravityzoneCompanyId,
    mappingId: plan.mappingId,
    halopsaClientId: plan.halopsaClientId,
    recurringInvoiceId: plan.recurringInvoiceId,
    billing: plan.billing ? ('on' as const) : ('off' as const),
    ...(plan.skipped !== undefined ? { skipped: plan.skipped } : {})
  }
  const mappingFlags: ReconciliationFlag[] = [
    ...(!plan.billing && hasUsage(entry.counters) ? (['billing-off-with-usage'] as const) : []),
    ...(plan.usageJump ? (['usage-jump'] as const) : [])
  ]
  if (plan.lines.length === 0)
    return [
      {
        ...base,
        itemId: null,
        usage: null,
        gravityzoneQuantity: null,
        halopsaQuantity: null,
        difference: null,
        flags: mappingFlags
      }
    ]
  return plan.lines.map((line) => {
    const held = line.halopsaQuantity ?? 0
    const difference = held - line.gravityzoneQuantity
    const flags: ReconciliationFlag[] = [
      ...(difference < 0 ? (['under-billed'] as const) : difference > 0 ? (['over-billed'] as const) : []),
      ...(line.reason === 'automatic_quantity' ? (['automatic-quantity'] as const) : []),
      ...mappingFlags
    ]
    return {
      ...base,
      itemId: line.itemId,
      usage: line.usage,
      gravityzoneQuantity: line.gravityzoneQuantity,
      halopsaQuantity: line.halopsaQuantity,
      difference,
      flags
    }
  })
}

/** An unmapped company's usage, per item of the global item mapping (or its largest counter without one). */
const unmappedRows = (
  company: { id: string; name: string },
  counters: Record<string, number>,
  globalItems: Record<string, number>
): ReconciliationRow[] => {
  const base = {
    customer: company.name,
    gravityzoneCompanyId: company.id,
    mappingId: null,
    halopsaClientId: null,
    recurringInvoiceId: null,
    billing: 'unmapped' as const,
    halopsaQuantity: null,
    difference: null,
    flags: ['unmapped-usage' as const]
  }
  const byItem = wantedByItem(globalItems, counters)
  if (byItem.size === 0) {
    const [counter, quantity] = Object.entries(counters).sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
    return quantity > 0 ? [{ ...base, itemId: null, usage: counter, gravityzoneQuantity: quantity }] : []
  }
  return [...byItem.entries()]
    .filter(([, item]) => item.quantity > 0)
    .map(([itemId, item]) => ({
      ...base,
      itemId,
      usage: item.counters.join(' + '),
      gravityzoneQuantity: item.quantity
    }))
}

export const createReconciliation = (deps: {
  gravityzone: Pick<GravityZoneClient, 'listAllCompanies'>
  usage: UsageReader
  unmappedLimit?: number
  concurrency?: number
}) => {
  const unmappedLimit = deps.unmappedLimit ?? 50
  const concurrency = deps.concurrency ?? 8

  return async (plan: BillingPlan): Promise<Reconciliation> => {
    const rows = plan.entries.flatMap(mappingRows)
    const mapped = new Set(plan.entries.map((e) => e.plan.gravityzoneCompanyId))
    const unmapped = (await deps.gravityzone.listAllCompanies())
      .filter((c) => c.companyType !== 0 && !mapped.has(c.id))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    const checked = unmapped.slice(0, unmappedLimit)
    let failed = 0
    const found: ReconciliationRow[][] = new Array(checked.length)
    let next = 0
    const worker = async () => {
      for (let i = next++; i < checked.length; i = next++) {
        const company = checked[i]!
        try {
          const usage = await deps.usage.read(company.id, plan.month)
          found[i] = unmappedRows(company, usage.counters, plan.globalItems)
        } catch (error) {
          if (!isPlatformError(error)) throw error
          failed++
          found[i] = []
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, checked.length) }, worker))
    rows.push(...found.flat())
    const flags = Object.fromEntries(reconciliationFlags.map((f) => [f, 0])) as Record<ReconciliationFlag, number>
    for (const row of rows) for (const flag of row.flags) flags[flag]++
    return {
      month: plan.month,
      rows,
      totals: {
        rows: rows.length,
        mappings: plan.entries.length,
        flags,
        unmapped: {
          companies: unmapped.length,
          checked: checked.length - failed,
          notChecked: unmapped.length - checked.length,
          failed
        }
      }
    }
  }
}

const csvColumns = [
  'customer',
  'gravityzoneCompanyId',
  'mappingId',
  'halopsaClientId',
  'recurringInvoiceId',
  'billing',
  'itemId',
  'usage',
  'gravityzoneQuantity',
  'halopsaQuantity',
  'difference',
  'flags',
  'skipped'
] as const

/**
 * RFC 4180: fields with a comma, a quote or a line break are quoted, quotes doubled. A text that a
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe (OWASP, "CSV
 * injection"); numbers, negative invoice ids included, are written as numbers.
 */
const csvField = (value: unknown): string => {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  let text = Array.isArray(value) ? value.join(';') : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const reconciliationCsv = (r: Reconciliation): string =>
  [
    ['month', ...csvColumns].join(','),
    ...r.rows.map((row) => [r.month, ...csvColumns.map((c) => row[c])].map(csvField).join(','))
  ].join('\r\n') + '\r\n'
