import fc from 'fast-check'

/**
 * Arbitrary webhook bodies for property tests: anything a sender could put on the wire, from random
 * bytes to envelopes of plausible events, with odd unicode (NUL, lone surrogates, byte order marks,
 * line separators), numbers JSON.parse cannot keep, nesting deep enough to overflow any recursion,
 * and more events than a delivery may hold.
 */

/** One character as a string unit: mostly ordinary, often one that breaks naive handling. */
const oddCharacter = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufeff', '\u2028', '"', '\\', '\n', '{', ']', ':')
)
const oddString = fc.string({ unit: oddCharacter, maxLength: 40 })
const json = fc.jsonValue({ stringUnit: oddCharacter, maxDepth: 4 })

/** Number literals, some of which JSON.parse cannot keep. */
const numberText = fc.oneof(
  fc.constantFrom('1e400', '-1E999', '1e-400', '12345678901234567890', '0.1000000000000000000001', '-0', '5e-324'),
  fc
    .double()
    .filter(Number.isFinite)
    .map((n) => JSON.stringify(n))
)

/** Text nested `depth` levels, as arrays or objects. */
export const nestedText = (depth: number, shape: 'array' | 'object'): string =>
  shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

const deepText = fc
  .record({ depth: fc.integer({ min: 1, max: 20_000 }), shape: fc.constantFrom('array' as const, 'object' as const) })
  .map(({ depth, shape }) => nestedText(depth, shape))

const modules = ['av', 'hd', 'fw', 'aph', 'exchange-malware', 'device-control', 'modules', 'task-status', 'x', '']

/** A pushed event as text: random JSON, a plausible event with odd fields, or a deep one. */
const eventText = fc.oneof(
  json.map((value) => JSON.stringify(value)),
  fc
    .record({
      module: fc.oneof(fc.constantFrom(...modules), oddString),
      companyId: fc.oneof(fc.constant('59a14b271da197c6108b4567'), oddString),
      computer_id: oddString,
      malware_name: oddString,
      extra: json
    })
    .map((event) => JSON.stringify(event)),
  fc
    .tuple(fc.constantFrom(...modules), numberText, fc.option(deepText, { nil: undefined }))
    .map(([module, n, deep]) => `{"module":"${module}","size":${n}${deep ? `,"nest":${deep}` : ''}}`),
  deepText
)

/** An addEvents body with `events`, sometimes after a byte order mark, sometimes with odd spacing. */
const envelopeText = fc
  .record({
    events: fc.array(eventText, { maxLength: 30 }),
    id: fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }).map(String), numberText),
    bom: fc.boolean(),
    space: fc.constantFrom('', ' ', '\n\t')
  })
  .map(
    ({ events, id, bom, space }) =>
      `${bom ? '\ufeff' : ''}{"jsonrpc":"2.0",${space}"method":"addEvents","params":{"events":[${events.join(`,${space}`)}]},"id":${id}}`
  )

/** Many small events: some deliveries hold more than a test's PUSH_MAX_EVENTS. */
const manyEvents = fc
  .integer({ min: 0, max: 60 })
  .map((n) => `{"method":"addEvents","params":{"events":[${Array.from({ length: n }, () => '{}').join(',')}]}}`)

/** Any body a GravityZone push could carry. */
export const pushBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  json.map((value) => Buffer.from(JSON.stringify(value))),
  envelopeText.map((text) => Buffer.from(text)),
  manyEvents.map((text) => Buffer.from(text)),
  deepText.map((text) => Buffer.from(`{"method":"addEvents","params":{"events":[],"x":${text}}}`))
)

const notification = fc.oneof(
  json.map((value) => JSON.stringify(value)),
  fc
    .record({
      id: oddString,
      event: fc.constantFrom('Ticket Updated', 'ticket status changed', 'client updated', ''),
      object_id: fc.oneof(fc.integer(), fc.constant(-1)),
      ticket: fc.record({ id: fc.integer({ min: 1, max: 1_000 }), status_id: fc.integer(), extra: json })
    })
    .map((n) => JSON.stringify(n)),
  deepText,
  deepText.map((deep) => `{"id":"n1","event":"Ticket Updated","object_id":41,"ticket":{"id":41},"extra":${deep}}`)
)

/** Any body a HaloPSA webhook could carry: one notification, a batch, or anything else. */
export const haloBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  notification.map((text) => Buffer.from(text)),
  fc.array(notification, { maxLength: 20 }).map((items) => Buffer.from(`[${items.join(',')}]`)),
  fc.boolean().chain((bom) => notification.map((text) => Buffer.from(`${bom ? '\ufeff' : ''}${text}`)))
)

/** How many events a push body holds as JSON.parse reads it, or undefined when it is not an envelope. */
export const eventsIn = (body: Buffer): number | undefined => {
  try {
    const text = body.toString('utf8')
    const json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as { params?: { events?: unknown } }
    return Array.isArray(json?.params?.events) ? json.params.events.length : undefined
  } catch {
    return undefined
  }
}
