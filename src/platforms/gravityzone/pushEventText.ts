/**
 * Numbers JSON.parse cannot keep: `1e400` becomes Infinity (stored as null), `1e-400` becomes 0,
 * `12345678901234567890` loses its last digits. An event holding such a number keeps its original
 * text beside the parsed value (`rawText` on its fact), so nothing GravityZone sent is silently
 * changed. Finding them needs the text: a cheap test says whether a body can hold one at all, and
 * only then a scan (iterative, no recursion) finds each event's text and whether it holds one.
 */

/**
 * A number token right after `:`, `[` or `,` with 16 or more digits and dots, or with an exponent.
 * Every number without one (at most 15 significant digits, no exponent) is exactly what JSON.parse
 * and JSON.stringify give back. Strings rarely match it; when one does, the scan decides.
 */
const maybeInexact = /[:[,][ \t\r\n]*-?(?:[\d.]{16}|\d[\d.]*[eE])/

/** Sign, digits without leading or trailing zeros, and exponent: equal values, equal forms. */
const normalised = (literal: string): string => {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)
  if (!match) return literal
  const fraction = match[3] ?? ''
  const digits = `${match[2]}${fraction}`.replace(/^0+/, '')
  if (digits === '') return '0'
  const significant = digits.replace(/0+$/, '')
  const exponent = BigInt(match[4] ?? '0') - BigInt(fraction.length) + BigInt(digits.length - significant.length)
  return `${match[1]}${significant}e${exponent}`
}

/** Whether a JSON number literal survives JSON.parse then JSON.stringify with the same value. */
export const isExactNumber = (literal: string): boolean =>
  normalised(literal) === normalised(JSON.stringify(Number(literal)))

export const mayHoldInexactNumbers = (text: string): boolean => maybeInexact.test(text)

type Role = 'top' | 'params' | 'events' | 'other'
type Frame = { array: boolean; role: Role; key: string | undefined; expectKey: boolean }

/** Where one event is in the body, and whether it holds a number JSON.parse cannot keep. */
type EventText = { start: number; end: number; inexact: boolean }

const isNumberStart = (code: number) => code === 45 || (code >= 48 && code <= 57)
// Digits, sign, dot and exponent: the characters a JSON number is made of.
const isNumberPart = (code: number) => isNumberStart(code) || code === 43 || code === 46 || code === 101 || code === 69

/** The end (exclusive) of the string whose opening quote is at `from`. */
const stringEnd = (text: string, from: number): number => {
  for (let quote = text.indexOf('"', from + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++
    if (backslashes % 2 === 0) return quote + 1
  }
  return text.length
}

/**
 * The text of each event of an addEvents body that JSON.parse accepted, in order: the elements of
 * `params.events` (of the last `params` and its last `events`: JSON.parse keeps the last of a
 * repeated key). One pass over the text with a stack of open containers; strings are skipped
 * with indexOf.
 */
const eventTexts = (text: string): EventText[] => {
  const frames: Frame[] = []
  let events: EventText[] = []
  /** How many containers are open while inside the current events array (-1: not in one). */
  let eventsLevel = -1
  /** A value starts at `at`: note it if it is an event, and open it if it is a container. */
  const begin = (at: number, end: number, container: 'array' | 'object' | undefined) => {
    const parent = frames.at(-1)
    let role: Role = parent === undefined ? 'top' : 'other'
    if (parent?.array === false && parent.role === 'top' && parent.key === 'params') role = 'params'
    if (parent?.array === false && parent.role === 'params' && parent.key === 'events') role = 'events'
    if (parent?.role === 'events') events.push({ start: at, end, inexact: false })
    if (container === undefined) return
    if (role === 'events' && container === 'array') {
      events = []
      eventsLevel = frames.length + 1
    } else if (role === 'events' || (role === 'params' && container === 'array')) role = 'other'
    frames.push({ array: container === 'array', role, key: undefined, expectKey: container === 'object' })
  }
  for (let i = 0; i < text.length;) {
    const code = text.charCodeAt(i)
    const top = frames.at(-1)
    let end = i + 1
    if (code === 34) {
      end = stringEnd(text, i)
      if (top?.expectKey) {
        // Only the keys that lead to the events are read.
        top.key = top.role === 'top' || top.role === 'params' ? (JSON.parse(text.slice(i, end)) as string) : undefined
        top.expectKey = false
      } else begin(i, end, undefined)
    } else if (code === 123 || code === 91) {
      begin(i, end, code === 91 ? 'array' : 'object')
    } else if (code === 125 || code === 93) {
      const closed = frames.pop()
      if (closed?.role === 'events') eventsLevel = -1
      else if (frames.length === eventsLevel) events.at(-1)!.end = end
    } else if (code === 44) {
      if (top && !top.array) top.expectKey = true
    } else if (code === 116 || code === 110 || code === 102) {
      end = i + (code === 102 ? 5 : 4)
      begin(i, end, undefined)
    } else if (isNumberStart(code)) {
      while (end < text.length && isNumberPart(text.charCodeAt(end))) end++
      begin(i, end, undefined)
      if (eventsLevel >= 0 && frames.length >= eventsLevel && !isExactNumber(text.slice(i, end)))
        events.at(-1)!.inexact = true
    }
    i = end
  }
  return events
}

/**
 * The original text of every event of the body that holds a number JSON.parse cannot keep, by
 * index; undefined when there is none (nearly always, and then without scanning). `count` is how
 * many events JSON.parse found: a scan that disagrees is not trusted.
 */
export const inexactEventTexts = (text: string, count: number): Map<number, string> | undefined => {
  if (!mayHoldInexactNumbers(text)) return undefined
  const found = eventTexts(text)
  if (found.length !== count || !found.some((e) => e.inexact)) return undefined
  const texts = new Map<number, string>()
  found.forEach((e, index) => {
    if (e.inexact) texts.set(index, text.slice(e.start, e.end))
  })
  return texts
}
