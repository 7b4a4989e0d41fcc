/**
 * Monthly usage as billing reads it (docs/platforms/gravityzone.md#monthly-usage): a flat record of
 * counters, whatever spelling the tenant uses, plus the committed minimum. Counters overlap (every
 * endpoint is also counted under its MSP package tier) and a parent's counters include its
 * sub-companies: those are billing decisions, made elsewhere; this module only reads the numbers
 * faithfully.
 */

type UsageCounters = Record<string, number>

export type MonthlyUsage = {
  /** `MM/YYYY`, as asked. */
  targetMonth: string
  counters: UsageCounters
  /** Committed minimum per counter, e.g. `{ endpointMonthlyUsage: 10 }`; empty when none. */
  minimumUsage: UsageCounters
}

export type ProductTypeUsage = MonthlyUsage & {
  /** 0 Endpoint Security, 3 Bitdefender EDR, 5 PHASR (docs/platforms/gravityzone.md#monthly-usage). */
  productType: number
}

/** Some doc versions (and so perhaps some tenants) spell this counter `aLaCarteMonhtlyUsage`. */
const spellings: Record<string, string> = { aLaCarteMonhtlyUsage: 'aLaCarteMonthlyUsage' }

export const canonicalCounterName = (name: string): string => (Object.hasOwn(spellings, name) ? spellings[name]! : name)

const toNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value)
  return undefined
}

/** Every numeric field, under its canonical name; when both spellings appear, the larger wins. */
const normaliseCounters = (raw: Record<string, unknown>, skip: readonly string[] = []): UsageCounters => {
  const counters: UsageCounters = {}
  for (const [name, value] of Object.entries(raw)) {
    if (skip.includes(name)) continue
    const n = toNumber(value)
    if (n === undefined) continue
    const canonical = canonicalCounterName(name)
    counters[canonical] = Math.max(counters[canonical] ?? 0, n)
  }
  return counters
}

const minimumOf = (raw: unknown): UsageCounters =>
  raw !== null && typeof raw === 'object' && !Array.isArray(raw)
    ? normaliseCounters(raw as Record<string, unknown>)
    : {}

export const normaliseMonthlyUsage = (raw: Record<string, unknown>, targetMonth: string): MonthlyUsage => ({
  targetMonth,
  counters: normaliseCounters(raw, ['minimumUsage']),
  minimumUsage: minimumOf(raw.minimumUsage)
})

export const normaliseProductTypeUsage = (raw: Record<string, unknown>, targetMonth: string): ProductTypeUsage => ({
  productType: toNumber(raw.productType) ?? 0,
  targetMonth,
  counters: normaliseCounters(raw, ['minimumUsage', 'productType']),
  minimumUsage: minimumOf(raw.minimumUsage)
})

/**
 * `MM/YYYY` for a moment, in UTC: usage resets at 00:00 GMT on the 1st
 * (docs/platforms/gravityzone.md#monthly-usage).
 */
export const usageMonth = (at: Date | number): string => {
  const d = new Date(at)
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`
}

/** The month before a `MM/YYYY` month. */
export const previousUsageMonth = (month: string): string => {
  const [mm, yyyy] = month.split('/').map(Number) as [number, number]
  return mm === 1 ? `12/${yyyy - 1}` : `${String(mm - 1).padStart(2, '0')}/${yyyy}`
}
