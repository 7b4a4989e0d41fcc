/**
 * A point in time written as ISO 8601 (RFC 3339's profile: `2024-02-29`, `2024-02-29T10:00Z`,
 * `2024-02-29T10:00:00.5+01:00`), checked field by field: JavaScript's Date.parse rolls impossible
 * dates over (`2024-02-30` is read as March 1st), which would filter on a day nobody asked for.
 * A time without a zone is the server's local time, as Date.parse reads it.
 */

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/i

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
const daysIn = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** Milliseconds since the epoch, or undefined when `value` is not such a time. */
export const parseIsoTime = (value: string): number | undefined => {
  const m = ISO_TIME.exec(value)
  if (!m) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return undefined
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}
