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

t.test(
  'a technician closing a ticket is delivered to the webhook with Basic auth and logged in WebhookEvent',
  async (t) => {
    const { sim, client } = await startPair(t)
    const receiver = await startReceiver(t)
    const webhook = await client.webhooks.create({
      name: 'relay',
      url: receiver.url,
      events: ['ticket status changed'],
      basicAuth: { username: 'halo-hook', password: 'hook-pass' }
    })
    t.match(webhook, {
      id: /^[0-9a-f-]{36}$/,
      url: receiver.url,
      basicUsername: 'halo-hook',
      active: true,
      events: ['ticket status changed']
    })
    t.same(
      (await client.webhooks.list()).map((w) => w.id),
      [webhook.id]
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
      notificationId: 41,
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
    const { sim, client } = await startPair(t)
    const receiver = await startReceiver(t)
    await client.webhooks.create({
      name: 'relay',
      url: receiver.url,
      events: ['ticket status changed'],
      basicAuth: { username: 'halo-hook', password: 'hook-pass' }
    })
    // Posting the webhook back as Halo shows it (password masked) keeps the password.
    const api = await rawApi(sim)
    const [shown] = (await api.get('/api/Webhook')).json as Record<string, unknown>[]
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
  const { sim, client } = await startPair(t)
  const receiver = await startReceiver(t)
  const auth = { username: 'halo-hook', password: 'hook-pass' }
  await client.webhooks.create({
    name: 'small',
    url: `${receiver.url}?small`,
    events: ['ticket status changed'],
    payloadType: 'small',
    basicAuth: auth
  })
  await client.webhooks.create({
    name: 'event',
    url: `${receiver.url}?event`,
    events: ['ticket status changed'],
    payloadType: 'eventOnly',
    basicAuth: auth
  })
  const ticket = await client.tickets.create(incident)
  sim.state.closeTicket(ticket.id)
  await waitFor(() => receiver.received.length === 2)
  const [small, eventOnly] = receiver.received.map((r) => JSON.parse(r.body))
  t.same(Object.keys(eventOnly).sort(), ['event', 'id', 'object_id', 'webhook_id'])
  t.match(small, { event: 'ticket status changed', ticket: { id: ticket.id, status_id: 9 } })
  t.notOk('details' in small.ticket, 'the small shape carries key fields only')
})

t.test('wrong Basic credentials are logged as a failed delivery, which can be re-sent', async (t) => {
  const { sim, client } = await startPair(t)
  const receiver = await startReceiver(t)
  const webhook = await client.webhooks.create({
    name: 'relay',
    url: receiver.url,
    events: ['ticket status changed'],
    basicAuth: { username: 'halo-hook', password: 'nope' }
  })
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
  const { sim, client } = await startPair(t)
  const receiver = await startReceiver(t)
  await client.webhooks.create({
    name: 'relay',
    url: receiver.url,
    events: ['ticket status changed'],
    basicAuth: { username: 'halo-hook', password: 'hook-pass' }
  })
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
  const { sim, client } = await startPair(t)
  const receiver = await startReceiver(t)
  await client.webhooks.create({
    name: 'relay',
    url: receiver.url,
    events: ['client deleted', 'client updated'],
    basicAuth: { username: 'halo-hook', password: 'hook-pass' }
  })
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
    events: ['ticket status changed']
  })
  t.equal(await client.webhooks.delete(webhook.id), true)
  t.equal(await client.webhooks.delete(webhook.id), false)
  t.same(await client.webhooks.list(), [])
})

t.test('with a retry policy configured, a failed delivery is attempted again and each attempt is logged', async (t) => {
  const { sim, client } = await startPair(t, { webhooks: { retries: 2, retryDelayMs: 10, timeoutMs: 1000 } })
  // Nothing listens on port 9 (discard): every attempt fails.
  const webhook = await client.webhooks.create({
    name: 'down',
    url: 'http://127.0.0.1:9/hook',
    events: ['ticket status changed']
  })
  const ticket = await client.tickets.create(incident)
  sim.state.closeTicket(ticket.id)
  await sim.webhooks.idle()
  const attempts = sim.webhooks.deliveries(webhook.id)
  t.equal(attempts.length, 3)
  t.ok(attempts.every((a) => a.status === 'Failed' && a.responsestatus === 0 && String(a.error) !== ''))
})
