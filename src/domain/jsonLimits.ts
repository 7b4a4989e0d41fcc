/**
 * Looking at JSON values from outside without recursing: how deep a value is nested, and a bounded
 * text preview of any value, however deep or large. JSON.parse itself does not recurse (a body
 * nested a million levels parses), but JSON.stringify and every hand-written walk do, and a deep
 * enough value overflows the stack. These walk with an explicit stack instead.
 */

/**
 * JSON text without a leading byte order mark, which JSON.parse refuses and RFC 8259 §8.1 lets a
 * parser ignore (Fastify's own JSON parser does): a webhook body sent with one is read like the API's.
 */
export const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

/** How deep a pushed event or a webhook notification may be nested (the value itself is level 1). */
export const MAX_JSON_DEPTH = 64

/** Whether `value` holds objects or arrays nested deeper than `maxDepth` levels (a scalar is level 0). */
export const exceedsDepth = (value: unknown, maxDepth: number): boolean => {
  if (value === null || typeof value !== 'object') return false
  const pending: { value: object; depth: number }[] = [{ value, depth: 1 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > maxDepth) return true
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value)
    for (const child of children)
      if (child !== null && typeof child === 'object') pending.push({ value: child as object, depth: next.depth + 1 })
  }
  return false
}

/** One open container of a preview: what is left to write of it. */
type Open = { close: string; keys: string[] | undefined; items: unknown[] | Record<string, unknown>; next: number }

/**
 * The start of `value` as JSON text, at most `maxChars` characters (cut there, with `…` appended),
 * whatever its depth or size: written one token at a time from an explicit stack, and stopped as
 * soon as the budget is spent, so a huge value costs no more than its first `maxChars` characters.
 * Shaped like JSON.stringify's output, but not meant to be parsed back when cut.
 */
export const jsonPreview = (value: unknown, maxChars: number): string => {
  let out = ''
  const open: Open[] = []
  const write = (item: unknown) => {
    if (item !== null && typeof item === 'object') {
      const array = Array.isArray(item)
      out += array ? '[' : '{'
      open.push({
        close: array ? ']' : '}',
        keys: array ? undefined : Object.keys(item),
        items: item as unknown[] | Record<string, unknown>,
        next: 0
      })
    } else out += JSON.stringify(item) ?? 'null'
  }
  write(value)
  while (open.length > 0 && out.length <= maxChars) {
    const top = open.at(-1)!
    const size = top.keys ? top.keys.length : (top.items as unknown[]).length
    if (top.next >= size) {
      out += top.close
      open.pop()
      continue
    }
    if (top.next > 0) out += ','
    const index = top.next++
    if (top.keys) {
      const key = top.keys[index]!
      out += `${JSON.stringify(key)}:`
      write((top.items as Record<string, unknown>)[key])
    } else write((top.items as unknown[])[index])
  }
  return out.length > maxChars ? `${out.slice(0, maxChars)}…` : out
}
