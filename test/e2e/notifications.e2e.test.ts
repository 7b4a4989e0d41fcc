import { createHmac, timingSafeEqual } from 'node:crypto'
import t from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { startReceiver, type Received } from '../support/receiver.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * Outbound notifications against a real receiver on loopback: signed JSON, one message per raise
 * and close, retries that back off with the same idempotency key, Teams and Slack bodies, a test
 * message per target, and a receiver that never answers does not hold up a ticket.
 */

const [acme] = customers as [(typeof customers)[number]]
const NOTIFY_SECRET_KEY = 'notify-secret-key-for-the-tests-0123456789'
const secret = 'receiver-shared-secret-42'
const ticketing = {
  ticketTypeId: 3,
  priorityId: 2,
  closedStatusName: 'Closed',
  autoCloseBlocked: false,
  modules: ['av']
}

const stack = (t: Parameters<typeof e2e>[0], retry = { minMs: 100, maxMs: 1_000, maxAttempts: 4 }) =>
  e2e(t, {
    env: { NOTIFY_SECRET_KEY },
    notifications: { retry, timeoutMs: 1_000 },
    upstream: { timeoutMs: 1_000, retry: { retries: 0, minDelayMs: 10, maxDelayMs: 20 } }
  })

/** What a receiver does with X-Relay-Signature: recompute it, compare in constant time, refuse an old one. */
const verify = (r: Received, key: string, toleranceS = 300): boolean => {
  const header = String(r.headers['x-relay-signature'] ?? '')
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
  if (!m) return false
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > toleranceS) return false
  const expected = createHmac('sha256', key).update(`${m[1]}.${r.body}`).digest()
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'))
}

/** HaloPSA stops answering; a poll finds it down (platform-unreachable is raised). */
const takeHaloDown = async (s: E2E) => {
  await s.halopsa.stop()
  await s.sync()
  await waitFor(async () => (await s.event('platform-unreachable', 'active')).length === 1, { what: 'the raise' })
}

t.test('a raise and its close each send one signed JSON message that a receiver verifies', async (t) => {
  const receiver = await startReceiver()
  t.teardown(() => receiver.close())
  const s = await stack(t)
  const put = await s.api('PUT', '/api/config/notifications', {
    targets: [
      { name: 'soc', url: `${receiver.url}/hooks/relay?token=abc`, format: 'json', secret, on: ['raised', 'closed'] }
    ]
  })
  t.equal(put.status, 200)
  // Given the settings, when they are read back, then URL and secret are masked
  t.same((await s.api('GET', '/api/config/notifications')).body, {
    targets: [
      { name: 'soc', url: `${receiver.url}/********`, format: 'json', on: ['raised', 'closed'], secret: '********' }
    ]
  })

  // When HaloPSA goes down, then one message says so
  await takeHaloDown(s)
  await receiver.waitFor(1)
  const [raised] = receiver.received
  t.equal(raised!.path, '/hooks/relay?token=abc')
  t.ok(verify(raised!, secret), 'the signature verifies with the shared secret')
  t.notOk(verify(raised!, 'another-secret-entirely'), 'and not with another')
  t.notOk(verify({ ...raised!, body: raised!.body.replace('raised', 'closed') }, secret), 'nor over another body')
  const body = JSON.parse(raised!.body)
  t.match(body, {
    id: raised!.headers['x-relay-delivery'],
    kind: 'raised',
    occurredAt: String,
    event: { type: 'platform-unreachable', category: 'connection', status: 'active', subject: { platform: 'halopsa' } }
  })
  t.same(Object.keys(body).sort(), ['event', 'id', 'kind', 'occurredAt'])
  t.same(Object.keys(body.event).sort(), ['category', 'id', 'status', 'subject', 'title', 'type'])

  // When HaloPSA is back, then one message says it closed
  await s.halopsa.resume()
  await s.sync()
  await receiver.waitFor(2)
  const closed = JSON.parse(receiver.received[1]!.body)
  t.match(closed, { kind: 'closed', event: { id: body.event.id, status: 'closed' } })
  t.not(closed.id, body.id, 'another delivery, another id')
  await s.sync()
  await s.settle()
  await s.relay.notifications.processor.waitForPosition(await s.relay.relay.store.headPosition())
  t.equal(receiver.received.length, 2, 'exactly one message each')

  // The facts hold the deliveries, never the secret nor the URL's path
  const audit = JSON.stringify((await s.api('GET', '/api/audit?limit=1000')).body.items)
  t.notMatch(audit, secret)
  t.notMatch(audit, 'token=abc')
  const delivered = (await s.api('GET', '/api/audit?type=NotificationDelivered')).body.items
  t.equal(delivered.length, 2)
})

t.test('a failing receiver is retried with a growing backoff and the same idempotency key', async (t) => {
  const receiver = await startReceiver((_r, i) => (i < 3 ? 503 : 200))
  t.teardown(() => receiver.close())
  const s = await stack(t, { minMs: 100, maxMs: 5_000, maxAttempts: 6 })
  await s.api('PUT', '/api/config/notifications', {
    targets: [{ name: 'flaky', url: receiver.url, format: 'json', on: ['raised'] }]
  })
  await takeHaloDown(s)
  await receiver.waitFor(4, 15_000)
  const ids = new Set(receiver.received.map((r) => r.headers['x-relay-delivery']))
  t.equal(ids.size, 1, 'one idempotency key across the attempts')
  t.equal(receiver.received[0]!.headers['x-relay-signature'], undefined, 'no secret, no signature')
  const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at)
  t.ok(gaps[0]! >= 90, `the first retry waits the minimum (${gaps[0]} ms)`)
  t.ok(gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `and each wait is longer (${gaps.join(', ')} ms)`)
  await waitFor(async () => (await s.api('GET', '/api/audit?type=NotificationDelivered')).body.items.length === 1, {
    what: 'the delivery recorded'
  })
  const failed = (await s.api('GET', '/api/audit?type=NotificationFailed')).body.items
  t.same(
    failed.map((f: { data: { attempt: number; status: number; final: boolean; retryInMs: number } }) => [
      f.data.attempt,
      f.data.status,
      f.data.final,
      f.data.retryInMs
    ]),
    [
      [1, 503, false, 100],
      [2, 503, false, 200],
      [3, 503, false, 400]
    ]
  )
})

t.test('a receiver that never answers does not delay a ticket', async (t) => {
  const receiver = await startReceiver(() => 'hang')
  t.teardown(() => receiver.close())
  const s = await stack(t, { minMs: 60_000, maxMs: 60_000, maxAttempts: 5 })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketing)
  await s.api('PUT', '/api/config/notifications', {
    targets: [{ name: 'dead', url: receiver.url, format: 'json', on: ['raised', 'platform'] }]
  })
  // Given the notifier is stuck on a receiver that never answers (then backing off a minute)
  await takeHaloDown(s)
  await receiver.waitFor(1)
  await s.halopsa.resume()
  // When a security event arrives, then its ticket is created at once
  const started = Date.now()
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  await waitFor(() => s.halopsa.state.data().tickets.rows.size === 1, { timeoutMs: 5_000, what: 'the ticket' })
  t.ok(Date.now() - started < 5_000, `ticketed in ${Date.now() - started} ms while the receiver hangs`)
  t.ok(
    s.relay.notifications.processor.position() < s.relay.processor.position(),
    'the notifier is still behind, on the fact whose receiver hangs'
  )
  t.equal(receiver.received.length, 1)
  // and /api/status says which target fails, and that its delivery waits for a retry
  await waitFor(async () => (await s.api('GET', '/api/status')).body.notifications.retrying === 1, {
    what: 'the delivery in backoff'
  })
  t.match((await s.api('GET', '/api/status')).body.notifications, {
    parked: 0,
    retrying: 1,
    failingTargets: [{ name: 'dead', since: String, lastError: /could not deliver/ }]
  })
})

t.test('Teams and Slack targets get their formats; the test message reports per target', async (t) => {
  const receiver = await startReceiver((r) => (r.path === '/down' ? 500 : 200))
  t.teardown(() => receiver.close())
  const s = await stack(t)
  t.equal(
    (
      await s.api('PUT', '/api/config/notifications', {
        targets: [
          { name: 'teams', url: `${receiver.url}/teams`, format: 'teams', on: ['raised'] },
          { name: 'slack', url: `${receiver.url}/slack`, format: 'slack', on: ['platform'] },
          { name: 'down', url: `${receiver.url}/down`, format: 'json', secret, on: ['closed'] }
        ]
      })
    ).status,
    200
  )
  const test = await s.api('POST', '/api/config/notifications/test')
  t.equal(test.status, 200)
  t.match(test.body.results, [
    { name: 'teams', ok: true, status: 200 },
    { name: 'slack', ok: true, status: 200 },
    { name: 'down', ok: false, status: 500, error: /HTTP 500/ }
  ])
  const byPath = (path: string) => JSON.parse(receiver.received.find((r) => r.path === path)!.body)
  t.match(byPath('/teams'), {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { type: 'AdaptiveCard', version: String, body: [{ type: 'TextBlock', text: /Test notification/ }] }
      }
    ]
  })
  t.match(byPath('/slack'), { text: /Test notification/, blocks: [{ type: 'section', text: { type: 'mrkdwn' } }] })
  t.match(byPath('/down'), { kind: 'test' })
  t.equal((await s.api('GET', '/api/audit?type=NotificationAttempted')).body.items.length, 0, 'a test is no fact')

  // A platform going down reaches Slack (on: platform) and Teams (on: raised)
  await takeHaloDown(s)
  await waitFor(() => receiver.received.filter((r) => r.path !== '/down').length === 4, { what: 'two more messages' })
  t.match(JSON.parse(receiver.received.filter((r) => r.path === '/slack')[1]!.body), { text: /^Raised: / })
})

t.test(
  'targets are refused without NOTIFY_SECRET_KEY, and a masked secret is kept only when there is one',
  async (t) => {
    const s = await e2e(t)
    const res = await s.api('PUT', '/api/config/notifications', {
      targets: [{ name: 'x', url: 'https://example.com/hook', format: 'json', on: ['raised'] }]
    })
    t.equal(res.status, 422)
    t.equal(res.body.error.code, 'invalid_configuration')
    const bad = await s.api('PUT', '/api/config/notifications', {
      targets: [{ name: 'x', url: 'ftp://example.com', format: 'xml', on: [] }]
    })
    t.equal(bad.status, 400)
    const withKey = await stack(t)
    const kept = await withKey.api('PUT', '/api/config/notifications', {
      targets: [{ name: 'x', url: 'https://example.com/********', format: 'json', secret: '********', on: ['raised'] }]
    })
    t.equal(kept.status, 422, 'nothing stored to keep')
  }
)
