import t from 'tap'
import { readFileSync } from 'node:fs'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { testApp, webhookSecrets } from '../support/app.js'

const fixtures = readFileSync(new URL('../fixtures/gravityzone/push-samples.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')

const pushHeaders = (body: string | Buffer, overrides: Record<string, string> = {}) => ({
  authorization: webhookSecrets.gravityzoneAuthorization,
  'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body),
  ...overrides
})

const envelope = (events: unknown[], id = 1720773248505) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events }, id })
const av = (n: number) => ({
  module: 'av',
  companyId: '59a14b271da197c6108b4567',
  computer_id: `c${n}`,
  computer_name: `WKS-${n}`,
  malware_name: 'EICAR-Test-File',
  final_status: 'quarantined',
  timestamp: '2026-11-02T08:33:13.000Z'
})

t.test('GravityZone push webhook', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  const factsIn = async (prefix = 'gzDelivery-') =>
    (await relay.store.readAll({ filter: { streamPrefixes: [prefix] } })).length
  /** The facts of one delivery, by its id (the SHA-256 of the body). */
  const factsOf = async (deliveryId: string) =>
    (await relay.store.readAll({ filter: { streamPrefixes: ['gzDelivery-'] } })).filter(
      (f) => (f.data as { deliveryId?: string }).deliveryId === deliveryId
    )

  t.test('accepts a delivery sent without a Content-Type and keeps every event as a fact', async (t) => {
    const body = envelope([av(1), av(2)])
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: Buffer.from(body)
    })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { result: { security: 2, platform: 0, invalid: 0 } })
    const facts = await factsOf(res.json().result.deliveryId)
    t.same(
      facts.map((f) => f.type),
      ['SecurityEventReceived', 'SecurityEventReceived']
    )
    t.match(facts[0]!.metadata, { actor: 'gravityzone' })
    t.match(facts[0]!.data, {
      module: 'av',
      companyId: '59a14b271da197c6108b4567',
      endpointId: 'c1',
      threatName: 'EICAR-Test-File',
      blocked: true
    })
  })

  t.test('the same body delivered twice appends its facts once', async (t) => {
    const body = envelope([av(3)], 1720773299999)
    const before = await factsIn()
    const first = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: body
    })
    const second = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: body
    })
    t.same([first.statusCode, second.statusCode], [200, 200])
    t.equal((await factsIn()) - before, 1)
  })

  t.test('a wrong or missing Authorization is 401 and appends nothing', async (t) => {
    const body = envelope([av(4)])
    const before = await relay.store.headPosition()
    const wrong = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body, { authorization: 'Bearer not-the-secret' }),
      payload: body
    })
    t.equal(wrong.statusCode, 401)
    t.equal(wrong.json().error.code, 'invalid_credentials')
    const { authorization: _, ...noAuth } = pushHeaders(body)
    const missing = await app.inject({ method: 'POST', url: '/webhooks/gravityzone', headers: noAuth, payload: body })
    t.equal(missing.statusCode, 401)
    t.equal(missing.json().error.code, 'missing_credentials')
    t.equal(await relay.store.headPosition(), before, 'nothing appended')
  })

  t.test('a bad MD5 is 401 and appends nothing', async (t) => {
    const body = envelope([av(5)])
    const before = await relay.store.headPosition()
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body, { 'event-push-service-md5': pushMd5('another-key', body) }),
      payload: body
    })
    t.equal(res.statusCode, 401)
    t.equal(res.json().error.code, 'invalid_signature')
    const tampered = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: body.replace('c5', 'c6')
    })
    t.equal(tampered.statusCode, 401, 'a body changed after signing fails the check')
    t.equal(await relay.store.headPosition(), before)
  })

  t.test('a body that is not JSON, or not an addEvents envelope, is 400 and appends nothing', async (t) => {
    const before = await relay.store.headPosition()
    for (const body of [
      'this is not json',
      JSON.stringify({ jsonrpc: '2.0', method: 'getEvents', params: {} }),
      JSON.stringify({ method: 'addEvents', params: { events: 'nope' } })
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/gravityzone',
        headers: pushHeaders(body),
        payload: body
      })
      t.equal(res.statusCode, 400, body.slice(0, 30))
      t.equal(res.json().error.code, 'invalid_push_envelope')
    }
    t.equal(await relay.store.headPosition(), before)
  })

  t.test('a 12 MiB body is 413', async (t) => {
    const body = envelope([{ module: 'av', blob: 'x'.repeat(12 * 1024 * 1024) }])
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: body
    })
    t.equal(res.statusCode, 413)
    t.equal(res.json().error.code, 'payload_too_large')
  })

  t.test('a batch with one invalid event is 200 and keeps the invalid one as its own fact', async (t) => {
    const body = envelope([
      av(7),
      'not an event',
      { computer_name: 'no module here' },
      { module: 'install', companyId: '59a14b271da197c6108b4567', endpointId: 'e1' }
    ])
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: pushHeaders(body),
      payload: body
    })
    t.equal(res.statusCode, 200)
    t.match(res.json().result, { security: 1, platform: 1, invalid: 2 })
    const facts = await factsOf(res.json().result.deliveryId)
    t.same(
      facts.map((f) => f.type),
      ['SecurityEventReceived', 'PushEventInvalid', 'PushEventInvalid', 'PlatformEventReceived']
    )
    t.match(facts[1]!.data, { index: 1, raw: 'not an event', reason: /not an object/ })
    t.match(facts[2]!.data, { index: 2, reason: /no module/ })
  })

  t.test('every published delivery is accepted and every event kept', async (t) => {
    let events = 0
    for (const body of fixtures) {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/gravityzone',
        headers: pushHeaders(body),
        payload: body
      })
      t.equal(res.statusCode, 200, `delivery ${body.slice(0, 60)}`)
      const r = res.json().result
      events += r.security + r.platform + r.invalid
      t.equal(r.invalid, 0, 'no published event is invalid')
    }
    t.equal(events, 41, '41 events in 37 deliveries')
  })

  t.test('a Content-Type of any kind is fine', async (t) => {
    for (const type of ['application/json', 'text/plain', 'application/octet-stream']) {
      const body = envelope([av(100 + type.length)])
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/gravityzone',
        headers: { ...pushHeaders(body), 'content-type': type },
        payload: body
      })
      t.equal(res.statusCode, 200, type)
    }
  })
})

t.test('HaloPSA webhook', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  const basic = (user = webhookSecrets.halopsaUser, password = webhookSecrets.halopsaPassword) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  const statusChanged = {
    id: 'a3f0c1de-1111-4c4c-8c8c-000000000001',
    webhook_id: 'w1',
    notification_id: 41,
    event: 'ticket status changed',
    message: 'The status has been changed for Ticket ID: 0004242.',
    object_id: 4242,
    agent_id: 3,
    timestamp: '2026-09-25T06:41:08.7895915Z',
    ticket: { id: 4242, summary: 'Malware', status_id: 9, client_id: '101', hasbeenclosed: true }
  }

  t.test('a ticket status change becomes a fact', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/halopsa',
      headers: { authorization: basic(), 'content-type': 'application/json' },
      payload: statusChanged
    })
    t.equal(res.statusCode, 200)
    const facts = await relay.store.readAll({ filter: { types: ['HaloWebhookReceived'] } })
    t.equal(facts.length, 1)
    t.match(facts[0]!.data, {
      event: 'ticket status changed',
      ticketId: 4242,
      statusId: 9,
      clientId: 101,
      hasBeenClosed: true,
      haloId: statusChanged.id
    })
    t.match(facts[0]!.metadata, { actor: 'halopsa' })
    const again = await app.inject({
      method: 'POST',
      url: '/webhooks/halopsa',
      headers: { authorization: basic(), 'content-type': 'application/json' },
      payload: statusChanged
    })
    t.equal(again.statusCode, 200)
    t.equal(
      (await relay.store.readAll({ filter: { types: ['HaloWebhookReceived'] } })).length,
      1,
      're-delivered: appended once'
    )
  })

  t.test('wrong or missing credentials are 401 and append nothing', async (t) => {
    const before = await relay.store.headPosition()
    for (const authorization of [
      basic('halo-webhook', 'wrong'),
      basic('intruder', webhookSecrets.halopsaPassword),
      'Bearer x',
      undefined
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/halopsa',
        headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
        payload: statusChanged
      })
      t.equal(res.statusCode, 401)
      t.match(res.headers['www-authenticate'], /^Basic/)
    }
    t.equal(await relay.store.headPosition(), before)
  })

  t.test('an authenticated but unusable body is answered 2xx and kept as a fact', async (t) => {
    for (const payload of ['not json at all', JSON.stringify({ hello: 'world' })]) {
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/halopsa',
        headers: { authorization: basic(), 'content-type': 'application/json' },
        payload
      })
      t.equal(res.statusCode, 200)
      t.equal(res.json().invalid, 1)
    }
    const kept = await relay.store.readAll({ filter: { types: ['HaloWebhookInvalid'] } })
    t.equal(kept.length, 2)
    t.match(kept[0]!.data, { reason: /not JSON/, body: 'not json at all' })
  })
})

t.test('failed authentication is rate limited per address, per surface', async (t) => {
  const { app, close } = await testApp({ authFailures: { limit: 3, windowMs: 60_000 } })
  t.teardown(close)
  const statuses = []
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/gravityzone',
      headers: { authorization: 'wrong' },
      payload: '{}'
    })
    statuses.push(res.statusCode)
  }
  t.same(statuses, [401, 401, 401, 429, 429])
  const limited = await app.inject({ method: 'POST', url: '/webhooks/gravityzone', payload: '{}' })
  t.equal(limited.statusCode, 429, 'a missing credential gets the same 429 as a wrong one')
  t.ok(Number(limited.headers['retry-after']) > 0)
  const api = await app.inject({
    method: 'GET',
    url: '/api/events',
    headers: { authorization: `Bearer ${webhookSecrets.gravityzoneAuthorization}` }
  })
  t.equal(api.statusCode, 401, "the API has a budget of its own: the webhook's failures do not count there")
})
