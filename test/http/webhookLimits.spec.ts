import t from 'tap'
import { randomUUID } from 'node:crypto'
import { contentHash } from '../../src/domain/ids.js'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { JsonText } from '../../src/store/port.js'
import { auth, testApp, tokens, webhookSecrets } from '../support/app.js'

/**
 * The webhooks under hostile bodies: nesting deep enough to overflow any recursion (on the event
 * loop and on a preparation thread), more events than PUSH_MAX_EVENTS, a byte order mark, numbers
 * JSON.parse cannot keep. Each is answered with a status and the documented shape, never a 500 or
 * a dead process, and a stored deep fact never breaks the audit.
 */

const envelope = (events: string[], id = 1764000000000) =>
  `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[${events.join(',')}]},"id":${id}}`
const av = (n: number) =>
  `{"module":"av","companyId":"59a14b271da197c6108b4567","computer_id":"e${n}","malware_name":"X"}`
const nested = (depth: number, shape: 'array' | 'object') =>
  shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const pushHeaders = (body: string | Buffer) => ({
  authorization: webhookSecrets.gravityzoneAuthorization,
  'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
})
const basic = `Basic ${Buffer.from(`${webhookSecrets.halopsaUser}:${webhookSecrets.halopsaPassword}`).toString('base64')}`

t.test('GravityZone push limits', async (t) => {
  // One preparation thread: bodies of 8 KiB and more are prepared there, smaller ones inline.
  const { app, relay, close } = await testApp({ ingest: { ingestThreads: 1, pushMaxEvents: 50 } })
  t.teardown(close)
  const push = (body: string | Buffer) =>
    app.inject({ method: 'POST', url: '/webhooks/gravityzone', headers: pushHeaders(body), payload: body })
  const deliveryFacts = async (deliveryId: string) =>
    (await relay.store.readAll({ filter: { streamPrefixes: ['gzDelivery-'] } })).filter(
      (f) => (f.data as { deliveryId?: string }).deliveryId === deliveryId
    )

  t.test('a deeply nested event is kept as invalid and the delivery answered 200, inline or on a thread', async (t) => {
    for (const [depth, shape] of [
      [2_500, 'array'],
      [10_000, 'array'],
      [10_000, 'object'],
      [100_000, 'object']
    ] as const) {
      const body = envelope([av(depth), `{"module":"hd","nest":${nested(depth, shape)}}`])
      const res = await push(body)
      t.equal(res.statusCode, 200, `${depth} levels of ${shape}s (${body.length} bytes): 200`)
      t.match(res.json(), { result: { security: 1, invalid: 1 } })
      const facts = await deliveryFacts(contentHash(body))
      t.same(
        facts.map((f) => f.type),
        ['SecurityEventReceived', 'PushEventInvalid']
      )
      t.match(facts[1]?.data, { reason: 'event is nested deeper than 64 levels', raw: /^\{"module":"hd","nest":/ })
    }
    const audit = await app.inject({ method: 'GET', url: '/api/audit?stream=gzDelivery', headers: auth(tokens.reader) })
    t.equal(audit.statusCode, 200, 'the audit shows them')
  })

  t.test('a delivery with more events than PUSH_MAX_EVENTS is refused with 413 and stores nothing', async (t) => {
    const before = await relay.store.headPosition()
    const body = envelope(Array.from({ length: 51 }, (_, i) => av(i)))
    const res = await push(body)
    t.equal(res.statusCode, 413)
    t.same(res.json(), {
      error: {
        code: 'too_many_events',
        message: 'the delivery holds 51 events; at most 50 are accepted in one delivery (PUSH_MAX_EVENTS)'
      }
    })
    t.equal(await relay.store.headPosition(), before, 'nothing appended')
    t.equal((await push(envelope(Array.from({ length: 50 }, (_, i) => av(i))))).statusCode, 200, '50 are accepted')
  })

  t.test('a body with a UTF-8 byte order mark is accepted; its MD5 is over the bytes as sent', async (t) => {
    const body = Buffer.concat([Buffer.from('\uFEFF'), Buffer.from(envelope([av(7)], 1764000000777))])
    const res = await push(body)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { result: { deliveryId: contentHash(body), security: 1 } })
    const withoutMark = body.subarray(3)
    const wrongMd5 = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(withoutMark),
      payload: body
    })
    t.equal(wrongMd5.statusCode, 401, 'an MD5 computed without the mark does not match the bytes sent')
  })

  t.test('an event whose numbers JSON.parse cannot keep is stored with its text as sent', async (t) => {
    const odd = '{"module":"av","companyId":"59a14b271da197c6108b4567","computer_id":"e9","size":1e400}'
    const body = envelope([odd], 1764000000999)
    t.equal((await push(body)).statusCode, 200)
    const [stored] = await deliveryFacts(contentHash(body))
    t.match(stored!.data, { event: { size: null }, rawText: odd })
  })
})

t.test('a HaloPSA notification nested 100,000 levels deep is kept as invalid and answered 200', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  const notify = (body: string) =>
    app.inject({ method: 'POST', url: '/webhooks/halopsa', headers: { authorization: basic }, payload: body })
  const ticket = '{"id":"n1","event":"Ticket Updated","object_id":41,"ticket":{"id":41,"status_id":9}}'
  for (const body of [
    nested(100_000, 'array'),
    `{"id":"n1","event":"Ticket Updated","object_id":41,"extra":${nested(100_000, 'object')}}`,
    `[${ticket},${nested(100_000, 'object')}]`
  ]) {
    const res = await notify(body)
    t.equal(res.statusCode, 200, `${body.slice(0, 40)}…: 200`)
    const facts = (await relay.store.readAll({ filter: { streamPrefixes: ['haloDelivery-'] } })).filter(
      (f) => (f.data as { deliveryId: string }).deliveryId === contentHash(body)
    )
    t.ok(
      facts.some(
        (f) =>
          f.type === 'HaloWebhookInvalid' && /nested deeper than 64 levels/.test((f.data as { reason: string }).reason)
      ),
      'the deep notification is kept as invalid, with the reason'
    )
  }
  const many = `[${Array.from({ length: 1_001 }, () => ticket).join(',')}]`
  const res = await notify(many)
  t.match(res.json(), { received: 0, invalid: 1 }, 'a delivery of more than 1,000 notifications is one invalid fact')
  const bom = await notify(`\uFEFF${ticket}`)
  t.match(bom.json(), { received: 1, invalid: 0 }, 'a byte order mark is ignored')
})

t.test('a stored fact nested too deep to serialise never fails an audit page or stops the export', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  // Given facts written by a relay that did not bound nesting: one nested 10,000 levels among others,
  const metadata = {
    correlationId: 'old',
    causationId: 'old',
    actor: 'gravityzone',
    recordedAt: new Date().toISOString()
  }
  const deep = `{"deliveryId":"d","index":0,"reason":"old","raw":${nested(10_000, 'object')}}`
  await relay.store.append('gzDelivery-before', [
    { id: randomUUID(), type: 'PushEventInvalid', data: { deliveryId: 'a', index: 0, reason: 'x', raw: 1 }, metadata }
  ])
  await relay.store.append('gzDelivery-deep', [
    { id: randomUUID(), type: 'PushEventInvalid', data: new JsonText(deep), metadata }
  ])
  await relay.store.append('gzDelivery-after', [
    { id: randomUUID(), type: 'PushEventInvalid', data: { deliveryId: 'b', index: 0, reason: 'y', raw: 2 }, metadata }
  ])

  // when the audit is read as a page and as an export,
  const page = await app.inject({ method: 'GET', url: '/api/audit?stream=gzDelivery', headers: auth(tokens.reader) })
  const ndjson = await app.inject({
    method: 'GET',
    url: '/api/audit?stream=gzDelivery',
    headers: { ...auth(tokens.reader), accept: 'application/x-ndjson' }
  })

  // then both answer 200 with every fact, the deep one shown as a preview.
  t.equal(page.statusCode, 200)
  const items = page.json().items as { stream: string; data: Record<string, unknown> }[]
  t.same(
    items.map((f) => f.stream),
    ['gzDelivery-before', 'gzDelivery-deep', 'gzDelivery-after']
  )
  t.match(items[1]!.data, { unshown: /nested deeper than 256 levels/, preview: /^\{"deliveryId":"d"/ })
  t.equal(ndjson.statusCode, 200)
  const lines = ndjson.body.split('\n').filter(Boolean)
  t.equal(lines.length, 3, 'the export has every fact')
  t.match(JSON.parse(lines[1]!), { data: { unshown: /nested deeper/ } })
})
