import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { haloWebhookDeliverySchema, haloWebhookPayloadSchema } from '../../../src/platforms/halopsa/webhookPayload.js'
import { waitFor } from '../../support/storeFacts.js'
import { rawApi, startPair } from './harness.js'

type Received = { headers: IncomingHttpHeaders; body: string }

/** A tiny webhook receiver that checks Basic auth (401 otherwise) and keeps what it got. */
const startReceiver = async (
  t: { teardown(fn: () => unknown): void },
  credentials = { user: 'halo-hook', password: 'hook-pass' }
) => {
  const received: Received[] = []
  const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.headers.authorization !== expected) return void res.writeHead(401).end('bad credentials')
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/halo`, received, credentials }
}

const incident = { summary: 'Ransomware blocked', clientId: 101, ticketTypeId: 1 }

type Pair = Awaited<ReturnType<typeof startPair>>

/** The relay-like webhook a test registers: the status-change event, Basic auth as the receiver expects. */
const relayHook = (url: string, password = 'hook-pass') => ({
  name: 'relay',
  url,
  events: ['Ticket Status Changed'],
  basicAuth: { username: 'halo-hook', password }
})

/** Registers a webhook through the API, then finishes it as an operator does in Halo's webhook screen. */
const registerFinished = async (
  { sim, client }: Pair,
  webhook: Parameters<Pair['client']['webhooks']['create']>[0],
  finish: Parameters<Pair['sim']['state']['finishWebhook']>[1] = {}
) => {
  const created = await client.webhooks.create(webhook)
  t.ok(sim.state.finishWebhook(created.id, finish))
  return (await client.webhooks.get(created.id))!
}

t.test(
  'a webhook registered through the API fires once an operator has picked its event; deliveries use Basic auth and are logged',
  async (t) => {
    const pair = await startPair(t)
    const { sim, client } = pair
    const receiver = await startReceiver(t)
    const registered = await client.webhooks.create(relayHook(receiver.url))
    t.match(registered, { id: /^[0-9a-f-]{36}$/, url: receiver.url, basicUsername: 'halo-hook', active: true })
    t.match(registered.events, [{ name: 'Ticket Status Changed', eventNo: null }], 'a name alone names no event')
    const first = await client.tickets.create(incident)
    sim.state.closeTicket(first.id)
    await sim.webhooks.idle()
    t.equal(receiver.received.length, 0, 'nothing is delivered before the webhook is finished')

    t.ok(sim.state.finishWebhook(registered.id))
    const webhook = (await client.webhooks.get(registered.id))!
    t.match(
      webhook.events,
      [{ name: 'Ticket Status Changed', eventNo: 27 }],
      'the event as the webhook screen stores it'
    )
    t.same(
      (await client.webhooks.list()).filter((w) => w.url !== null).map((w) => w.id),
      [webhook.id],
      'listed beside the seeded runbook, whose url is null'
    )

    const ticket = await client.tickets.create(incident)
    t.ok(sim.state.closeTicket(ticket.id, { agentId: 3 }))
    await waitFor(() => receiver.received.length === 1, { what: 'the status-change delivery' })

    const delivery = receiver.received[0]!
    t.equal(delivery.headers['content-type'], 'application/json')
    const payload = haloWebhookPayloadSchema.parse(JSON.parse(delivery.body))
    t.match(payload, {
      event: 'ticket status changed',
      objectId: ticket.id,
      webhookId: webhook.id,
      notificationId: webhook.events.find((e) => e.eventNo !== null)!.id,
      agentId: 3,
      ticket: { id: ticket.id, statusId: 9, hasBeenClosed: true, clientId: 101 }
    })
    t.match(payload.message, /The status has been changed for Ticket ID: 0*\d+\./)

    await sim.webhooks.idle()
    const api = await rawApi(sim)
    const log = (await api.get(`/api/WebhookEvent?webhook_id=${webhook.id}`)).json as {
      status: string
      responsestatus: number
      requestbody: string
      entity_id: number
      requestheaders: string
    }[]
    t.equal(log.length, 1)
    t.match(log[0], { status: 'Success', responsestatus: 200, entity_id: ticket.id })
    t.equal(log[0]!.requestbody, delivery.body)
    t.notMatch(log[0]!.requestheaders, /hook-pass|aGFsby1ob29r/, 'the password is not in the log')
    t.notMatch(JSON.stringify((await api.get('/api/Webhook')).json), /hook-pass/, 'nor shown back')
  }
)

t.test(
  'a status change through the API fires the webhook too; other updates do not (unless switched on)',
  async (t) => {
    const pair = await startPair(t)
    const { sim, client } = pair
    const receiver = await startReceiver(t)
    await registerFinished(pair, relayHook(receiver.url))
    // Posting the webhook back as Halo shows it (password masked) keeps the password.
    const api = await rawApi(sim)
    const shown = ((await api.get('/api/Webhook')).json as Record<string, unknown>[]).find((w) => w.url !== null)
    t.equal(shown!.basic_password, '********')
    t.equal((await api.post('/api/Webhook', [{ ...shown, name: 'relay (renamed)' }])).status, 200)
    const ticket = await client.tickets.create(incident)
    await client.tickets.update(ticket.id, { summary: 'renamed' })
    await client.tickets.close(ticket.id, { statusId: 9 })
    await sim.webhooks.idle()
    t.equal(receiver.received.length, 1, 'delivered with the kept password')
    t.equal(JSON.parse(receiver.received[0]!.body).ticket.status_id, 9)
  }
)

t.test('small and event-only payloads have their documented shapes', async (t) => {
  const pair = await startPair(t)
  const { sim, client } = pair
  const receiver = await startReceiver(t)
  const auth = { username: 'halo-hook', password: 'hook-pass' }
  await registerFinished(
    pair,
    { name: 'small', url: `${receiver.url}?small`, events: ['Ticket Status Changed'], basicAuth: auth },
    { payload: 'small' }
  )
  await registerFinished(
    pair,
    { name: 'event', url: `${receiver.url}?event`, events: ['Ticket Status Changed'], basicAuth: auth },
    { payload: 'event-only' }
  )
  const ticket = await client.tickets.create(incident)
  sim.state.closeTicket(ticket.id)
  await waitFor(() => receiver.received.length === 2)
  const [small, eventOnly] = receiver.received.map((r) => JSON.parse(r.body))
  t.same(Object.keys(eventOnly).sort(), ['event', 'id', 'object_id', 'webhook_id'])
  t.match(small, { event: 'ticket status changed', ticket: { id: ticket.id, status_id: 9 } })
  t.notOk('details' in small.ticket, 'the small shape carries key fields only')
})

t.test('an instance can be set to send event-only payloads by default', async (t) => {
  const pair = await startPair(t, { behaviour: { webhookPayload: 'event-only' } })
  const receiver = await startReceiver(t)
  await registerFinished(pair, relayHook(receiver.url))
  const ticket = await pair.client.tickets.create(incident)
  pair.sim.state.closeTicket(ticket.id)
  await waitFor(() => receiver.received.length === 1)
  const payload = haloWebhookPayloadSchema.parse(JSON.parse(receiver.received[0]!.body))
  t.match(payload, { event: 'ticket status changed', objectId: ticket.id, ticket: null })
})

t.test("a webhook body with Halo's integer fields written as text is refused, as Halo's binder would", async (t) => {
  const { sim } = await startPair(t)
  const api = await rawApi(sim)
  const refused = await api.post('/api/Webhook', [
    { name: 'relay', url: 'http://127.0.0.1:9/hook', method: 'POST', events: [{ name: 'Ticket Status Changed' }] }
  ])
  t.equal(refused.status, 400)
  t.match(refused.json, { '[0].method': /integer/ })
  t.equal(sim.state.data().webhooks.rows.size, 1, 'nothing stored (only the seeded runbook)')
})

t.test('wrong Basic credentials are logged as a failed delivery, which can be re-sent', async (t) => {
  const pair = await startPair(t)
  const { sim, client } = pair
  const receiver = await startReceiver(t)
  const webhook = await registerFinished(pair, relayHook(receiver.url, 'nope'))
  const ticket = await client.tickets.create(incident)
  sim.state.closeTicket(ticket.id)
  await sim.webhooks.idle()
  const [failed] = sim.webhooks.deliveries(webhook.id)
  t.match(failed, { status: 'Failed', responsestatus: 401 })
  t.equal(receiver.received.length, 0)
  t.equal(sim.state.data().webhooks.get(webhook.id)!.last_status, 'Failed')

  const hook = sim.state.data().webhooks.get(webhook.id)!
  hook.basic_password = 'hook-pass'
  const resent = await sim.webhooks.resend(failed!.id as string)
  t.match(resent, { status: 'Success', resent_from: failed!.id })
  t.equal(receiver.received[0]!.body, failed!.requestbody, 'the same body again')
})

t.test('duplicates, reordering, batching and garbled bodies can be injected', async (t) => {
  const pair = await startPair(t)
  const { sim, client } = pair
  const receiver = await startReceiver(t)
  await registerFinished(pair, relayHook(receiver.url))
  const [a, b] = [await client.tickets.create(incident), await client.tickets.create(incident)]

  sim.webhooks.inject({ duplicates: 1 })
  sim.state.setTicketStatus(a.id, 2)
  await waitFor(() => receiver.received.length === 2)
  t.equal(receiver.received[0]!.body, receiver.received[1]!.body, 'the same delivery twice')

  receiver.received.length = 0
  sim.webhooks.hold()
  sim.state.closeTicket(a.id)
  sim.state.closeTicket(b.id)
  t.equal(receiver.received.length, 0, 'held back')
  await sim.webhooks.release({ order: 'reverse' })
  t.same(
    receiver.received.map((r) => JSON.parse(r.body).object_id),
    [b.id, a.id],
    'out of order'
  )

  receiver.received.length = 0
  sim.webhooks.hold()
  sim.state.setTicketStatus(a.id, 2)
  sim.state.setTicketStatus(b.id, 2)
  await sim.webhooks.release({ batch: true })
  t.equal(receiver.received.length, 1)
  t.same(
    haloWebhookDeliverySchema.parse(JSON.parse(receiver.received[0]!.body)).map((p) => p.objectId),
    [a.id, b.id],
    'one batched delivery'
  )

  receiver.received.length = 0
  sim.webhooks.inject({ malformed: 1 })
  sim.state.closeTicket(a.id)
  await waitFor(() => receiver.received.length === 1)
  t.throws(() => JSON.parse(receiver.received[0]!.body), 'an unparseable body')
})

t.test('client deleted notifications only when switched on', async (t) => {
  const pair = await startPair(t)
  const { sim } = pair
  const receiver = await startReceiver(t)
  await registerFinished(
    pair,
    {
      name: 'relay',
      url: receiver.url,
      events: ['Client Deleted', 'Client Updated'],
      basicAuth: { username: 'halo-hook', password: 'hook-pass' }
    },
    { events: ['clientDeleted', 'clientUpdated'] }
  )
  sim.state.deleteClient(101)
  await sim.webhooks.idle()
  t.equal(receiver.received.length, 0)
  sim.state.setBehaviour({ clientEvents: true })
  sim.state.deleteClient(102)
  sim.state.updateClient(103, { name: 'Cobalt Logistics Ltd' })
  await waitFor(() => receiver.received.length === 2)
  const payloads = receiver.received.map((r) => haloWebhookPayloadSchema.parse(JSON.parse(r.body)))
  t.match(payloads, [
    { event: 'client deleted', objectId: 102, client: { id: 102 } },
    { event: 'client updated', objectId: 103, client: { name: 'Cobalt Logistics Ltd' } }
  ])
})

t.test('webhooks can be deleted; deleting again reports it gone', async (t) => {
  const { client } = await startPair(t)
  const webhook = await client.webhooks.create({
    name: 'relay',
    url: 'http://127.0.0.1:9/hook',
    events: ['Ticket Status Changed']
  })
  t.equal(await client.webhooks.delete(webhook.id), true)
  t.equal(await client.webhooks.delete(webhook.id), false)
  t.equal(await client.webhooks.get(webhook.id), null)
  t.same(
    (await client.webhooks.list()).map((w) => w.url),
    [null],
    'only the seeded runbook is left; its null url does not break the list'
  )
})

t.test('with a retry policy configured, a failed delivery is attempted again and each attempt is logged', async (t) => {
  const pair = await startPair(t, { webhooks: { retries: 2, retryDelayMs: 10, timeoutMs: 1000 } })
  const { sim, client } = pair
  // Nothing listens on port 9 (discard): every attempt fails.
  const webhook = await registerFinished(pair, {
    name: 'down',
    url: 'http://127.0.0.1:9/hook',
    events: ['Ticket Status Changed']
  })
  const ticket = await client.tickets.create(incident)
  sim.state.closeTicket(ticket.id)
  await sim.webhooks.idle()
  const attempts = sim.webhooks.deliveries(webhook.id)
  t.equal(attempts.length, 3)
  t.ok(attempts.every((a) => a.status === 'Failed' && a.responsestatus === 0 && String(a.error) !== ''))
})
