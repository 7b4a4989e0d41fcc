import { z } from 'zod'

/**
 * Zod building blocks for HaloPSA's wire quirks (docs/platforms/halopsa.md#errors-and-wire-quirks):
 * ids come back as `3`, `3.0` or `"3"`, property casing is inconsistent, `1899-12-30T00:00:00`
 * means "no date" and `-1`/`0` mean "no reference". Every resource schema is built from these, so
 * the quirks are handled in one place.
 */

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Lower-cases an object's own keys (not nested ones: each nested schema does its own). */
const lowerKeys = (value: unknown): unknown => {
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) out[key.toLowerCase()] = v
  return out
}

const numeric = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value

/** An integer id: `3`, `3.0` and `"3"` all parse to 3. */
export const haloInt = z.preprocess(numeric, z.number().int())

/** A number that may arrive as a string. */
export const haloNumber = z.preprocess(numeric, z.number())

/** An optional number; absent or null becomes null. */
export const haloNumberOrNull = z.preprocess(
  (v) => (v === undefined || v === '' ? null : numeric(v)),
  z.number().nullable()
)

/** A reference to another record; Halo writes "none" as -1, 0 or null. */
export const haloRef = z
  .preprocess((v) => (v === undefined || v === '' ? null : numeric(v)), z.number().nullable())
  .transform((v) => (v === null || v <= 0 ? null : Math.trunc(v)))

/** A date; `1899-12-30T00:00:00` (Halo's null sentinel), '' and absent become null. */
export const haloDate = z.preprocess(
  (v) =>
    v === undefined || v === null || v === '' || (typeof v === 'string' && v.startsWith('1899-12-30')) ? null : v,
  z.string().nullable()
)

/** A boolean that may arrive as 0/1 or "true"/"false"; absent becomes false. */
export const haloBool = z.preprocess((v) => {
  if (v === undefined || v === null) return false
  if (v === 'true' || v === 1 || v === '1') return true
  if (v === 'false' || v === 0 || v === '0') return false
  return v
}, z.boolean())

/** Free text that may be absent or null. */
export const haloText = z.preprocess(
  (v) => (v === undefined ? null : typeof v === 'number' ? String(v) : v),
  z.string().nullable()
)

/** An object schema that ignores key casing and keeps unknown keys (Halo objects have hundreds). */
export const haloObject = <S extends z.ZodRawShape>(shape: S) => z.preprocess(lowerKeys, z.looseObject(shape))

/**
 * A list answer. Most lists come in an envelope `{record_count, <key>: [...]}`, lookups as bare
 * arrays (docs/platforms/halopsa.md#lists-and-pages); accept both so a change of shape on Halo's
 * side is not an outage.
 */
export const haloList = <T extends z.ZodType>(item: T, key?: string) =>
  z.preprocess(
    (value) => {
      if (Array.isArray(value)) return { record_count: value.length, records: value }
      const lowered = lowerKeys(value)
      if (!isPlainObject(lowered)) return lowered
      const records =
        key !== undefined && Array.isArray(lowered[key]) ? lowered[key] : Object.values(lowered).find(Array.isArray)
      return { record_count: lowered.record_count ?? (Array.isArray(records) ? records.length : 0), records }
    },
    z.object({ record_count: haloInt, records: z.array(item) })
  )

/** Posting an array of one answers one object; some versions answer a one-element array. */
export const haloSingle = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (Array.isArray(value) && value.length === 1 ? value[0] : value), item)
