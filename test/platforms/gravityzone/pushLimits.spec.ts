import t from 'tap'
import { contentHash } from '../../../src/domain/ids.js'
import { parsePushDelivery } from '../../../src/platforms/gravityzone/push.js'
import {
  MAX_EVENT_CHARS,
  RAW_PREVIEW_CHARS,
  TooDeep,
  canonicalJson,
  classifyPushEvent
} from '../../../src/platforms/gravityzone/pushEvents.js'
import { inexactEventTexts, isExactNumber } from '../../../src/platforms/gravityzone/pushEventText.js'
import { preparePush } from '../../../src/services/pushPreparation.js'

/**
 * What one GravityZone delivery may hold: events nested at most 64 levels and at most 256 KiB of
 * JSON each (beyond, kept as invalid events with a preview), at most PUSH_MAX_EVENTS events (beyond,
 * refused), a byte order mark or not, and numbers JSON.parse cannot keep (their text kept).
 */

const envelope = (events: string[], id = 1764000000000) =>
  `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[${events.join(',')}]},"id":${id}}`
const av = '{"module":"av","companyId":"59a14b271da197c6108b4567","computer_id":"e1","malware_name":"X"}'
const nested = (depth: number, shape: 'array' | 'object') =>
  shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const dataOf = (prepared: ReturnType<typeof preparePush>, index: number) =>
  prepared.ok ? (JSON.parse(prepared.facts[index]!.data) as Record<string, unknown>) : undefined

t.test('an event nested deeper than 64 levels is kept as an invalid event with a bounded preview', async (t) => {
  for (const depth of [2_500, 10_000, 100_000]) {
    for (const shape of ['array', 'object'] as const) {
      // Given a delivery with a good event, a deep event with a module, and a deep event that is all nesting,
      const body = Buffer.from(envelope([av, `{"module":"av","nest":${nested(depth, shape)}}`, nested(depth, shape)]))
      // when it is prepared,
      const prepared = preparePush(body)
      // then the good event is a security event and both deep ones are invalid, with a short preview.
      if (!prepared.ok) return t.fail(`${depth} ${shape}: refused: ${prepared.message}`)
      t.match(prepared, { security: 1, invalid: 2 }, `${depth} levels of ${shape}s`)
      t.match(dataOf(prepared, 1), { index: 1, reason: 'event is nested deeper than 64 levels' })
      t.match(dataOf(prepared, 2), { index: 2, reason: shape === 'array' ? /^event is not an object/ : /no module/ })
      for (const index of [1, 2]) {
        const raw = dataOf(prepared, index)!.raw
        t.type(raw, 'string')
        t.ok((raw as string).length <= RAW_PREVIEW_CHARS + 1, 'the preview is bounded')
      }
    }
  }
})

t.test('64 levels are within the limit, 65 are not', async (t) => {
  const at = (depth: number) => JSON.parse(`{"module":"av","nest":${nested(depth - 1, 'array')}}`) as unknown
  t.match(classifyPushEvent(at(64), 0), { kind: 'security' })
  t.match(classifyPushEvent(at(65), 0), { kind: 'invalid', reason: 'event is nested deeper than 64 levels' })
  t.throws(() => canonicalJson(at(65)), TooDeep, 'canonical JSON gives up before the stack could overflow')
})

t.test('an event larger than 256 KiB of JSON is kept as an invalid event with a preview', async (t) => {
  const big = { module: 'av', blob: 'x'.repeat(MAX_EVENT_CHARS) }
  const classified = classifyPushEvent(big, 3)
  t.match(classified, { kind: 'invalid', index: 3, reason: 'event is larger than 256 KiB of JSON' })
  t.equal((classified as { raw: string }).raw.length, RAW_PREVIEW_CHARS + 1)
  const notAnObject = classifyPushEvent('y'.repeat(MAX_EVENT_CHARS + 10), 4)
  t.match(notAnObject, { kind: 'invalid', reason: 'event is not an object (string)' })
  t.equal((notAnObject as { raw: string }).raw.length, RAW_PREVIEW_CHARS + 1, 'a huge invalid event is cut too')
  t.match(classifyPushEvent({ module: 'av', blob: 'x'.repeat(1000) }, 5), { kind: 'security' })
})

t.test('a delivery with more events than allowed is refused before any event is classified', async (t) => {
  const body = Buffer.from(envelope(Array.from({ length: 6 }, () => av)))
  t.match(preparePush(body, { maxEvents: 5 }), {
    ok: false,
    reason: 'too_many_events',
    message: 'the delivery holds 6 events; at most 5 are accepted in one delivery (PUSH_MAX_EVENTS)'
  })
  t.match(preparePush(body, { maxEvents: 6 }), { ok: true, security: 6 })
  const many = Buffer.from(envelope(Array.from({ length: 10_001 }, () => '{}')))
  t.match(preparePush(many), { ok: false, reason: 'too_many_events' }, 'the default is 10,000')
})

t.test('a body with a UTF-8 byte order mark is read like one without; its id covers the bytes as sent', async (t) => {
  const plain = Buffer.from(envelope([av]))
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain])
  const parsed = parsePushDelivery(withBom)
  t.match(parsed, { ok: true, delivery: { deliveryId: contentHash(withBom) } })
  const [a, b] = [preparePush(plain), preparePush(withBom)]
  if (!a.ok || !b.ok) return t.fail('both should be accepted')
  t.same(
    b.facts.map((f) => JSON.parse(f.data).event),
    a.facts.map((f) => JSON.parse(f.data).event)
  )
  t.match(parsePushDelivery(`\uFEFF\uFEFF${envelope([av])}`), { ok: false, error: { code: 'not_json' } }, 'only one')
})

t.test('a number literal is exact when JSON.parse and JSON.stringify give back its value', async (t) => {
  for (const exact of ['0', '-0', '1', '1.0', '1.50', '1e2', '1E+2', '0.1', '123456789012345', '1e21', '5e-324'])
    t.ok(isExactNumber(exact), exact)
  for (const inexact of ['1e400', '-1e400', '1e-400', '12345678901234567890', '0.12345678901234567890123', '2e-324'])
    t.notOk(isExactNumber(inexact), inexact)
})

t.test('an event with a number JSON.parse cannot keep keeps its text as sent', async (t) => {
  const odd = '{"module":"av","computer_id":"e1", "size" : 1e400,"id":12345678901234567890}'
  const body = Buffer.from(envelope([av, odd, `{"companyId":"c","n":-1E999}`]))
  const prepared = preparePush(body)
  if (!prepared.ok) return t.fail('accepted')
  t.notOk('rawText' in dataOf(prepared, 0)!, 'an exact event keeps no text')
  t.match(dataOf(prepared, 1), { rawText: odd, event: { size: null, id: 12345678901234567000 } })
  t.match(dataOf(prepared, 2), { reason: 'event has no module', rawText: '{"companyId":"c","n":-1E999}' })
  const sameButOtherNumber = preparePush(Buffer.from(envelope([av, odd.replace('1e400', '1e401')])))
  if (!sameButOtherNumber.ok) return t.fail('accepted')
  t.not(
    dataOf(sameButOtherNumber, 1)!.eventKey,
    dataOf(prepared, 1)!.eventKey,
    'two events that parse alike but were sent differently have different keys'
  )
})

t.test('the text of each event is found whatever the layout of the envelope', async (t) => {
  const odd = '{"n":1e400}'
  const cases: [string, number, Record<number, string>][] = [
    [envelope(['1e999', '{"s":"a:1e400 in a string"}', odd]), 3, { 0: '1e999', 2: odd }],
    // JSON.parse keeps the last of repeated keys; so does the scan.
    [`{"params":{"events":[${odd}]},"params":{"events":[1,${odd}]},"method":"addEvents"}`, 2, { 1: odd }],
    [`{"params":{"events":[${odd}],"events":[${odd},2]},"method":"addEvents"}`, 2, { 0: odd }],
    [
      `{"par\\u0061ms":{"other":[1e400],"events":[[1e400,{"a":[]}]]},"method":"addEvents"}`,
      1,
      { 0: '[1e400,{"a":[]}]' }
    ],
    [envelope(['"\\"quoted\\\\"', '{"k\\"":[1e400]}']), 2, { 1: '{"k\\"":[1e400]}' }],
    [` {\n "id": 1e400, "params" : { "events" : [ 1 , 2 ] } } `, 2, {}]
  ]
  for (const [text, count, expected] of cases) {
    const texts = inexactEventTexts(text, count)
    t.same(Object.fromEntries(texts ?? []), expected, text)
  }
  t.equal(inexactEventTexts(envelope([odd]), 2), undefined, 'a scan that disagrees with JSON.parse is not used')
})
