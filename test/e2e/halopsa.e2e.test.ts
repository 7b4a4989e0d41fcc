import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import type { Row } from '../../simulators/halopsa/state.js'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * The relay against HaloPSA as Halo documents itself (docs/platforms/halopsa-fidelity.md): a webhook
 * the API cannot finish, event-only and real webhook bodies, notes whose outcome is refused, ticket
 * creations whose answer is lost, automatic invoice quantities and inactive items.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]
const config = { ticketTypeId: 3, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av', 'hd'] }

const tickets = (s: E2E) => [...s.halopsa.state.data().tickets.rows.values()] as Row[]
const audit = async (s: E2E, type: string) =>
  (await s.api('GET', `/api/audit?limit=1000&type=${type}`)).body.items as { type: string; data: Row }[]

/** One open ticket for a threat on acme, and the event that made it (repeats vary its timestamp). */
const openTicket = async (s: E2E) => {
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', config)
  const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } }) as Row
  await s.gravityzone.push.send([{ event: event as never }])
  await s.settle()
  const ticket = tickets(s).find((x) => x.deleted !== true)!
  return { event, ticket }
}

const repeat = async (s: E2E, event: Row, at: string) => {
  await s.gravityzone.push.send([{ event: { ...event, timestamp: at } as never }])
  await s.settle()
}

t.test(
  'a webhook the API could not finish is recorded as incomplete; once an operator finishes it, closes arrive by webhook',
  async (t) => {
    const s = await e2e(t, { haloWebhookByHand: false })
    const state = s.relay.pushService.haloWebhookState()
    t.match(state, { status: 'incomplete', url: `${s.url}/webhooks/halopsa`, missing: ['ticket-status-event'] })
    t.match(await audit(s, 'HaloWebhookRegistrationIncomplete'), [
      { data: { url: `${s.url}/webhooks/halopsa`, missing: ['ticket-status-event'] } }
    ])
    t.notMatch(JSON.stringify(await audit(s, 'HaloWebhookRegistrationIncomplete')), s.secrets.haloWebhookPassword)
    t.match(
      (await s.api('GET', '/api/status')).body.webhooks,
      { halopsa: { status: 'incomplete', missing: ['ticket-status-event'] }, gravityzone: { droppedEventTypes: [] } },
      'the status says what is left to finish by hand'
    )

    const { ticket } = await openTicket(s)
    s.halopsa.state.closeTicket(ticket.id as number)
    await s.halopsa.webhooks.idle()
    t.equal(s.halopsa.webhooks.deliveries().length, 0, 'nothing is delivered by an unfinished webhook')
    await s.sync()
    t.match(await audit(s, 'TicketClosed'), [{ data: { ticketId: ticket.id, by: 'technician' } }], 'the poll saw it')

    // The operator picks the event in HaloPSA; the watchdog reads the webhook back.
    t.ok(s.halopsa.state.finishWebhook((state as { webhookId: string }).webhookId))
    await s.relay.pushService.watch()
    t.match(s.relay.pushService.haloWebhookState(), { status: 'complete' })
    t.match((await s.api('GET', '/api/status')).body.webhooks, { halopsa: { status: 'complete' } })
    t.equal((await audit(s, 'HaloWebhookRegistrationComplete')).length, 1)
    await s.relay.pushService.watch()
    t.equal((await audit(s, 'HaloWebhookRegistrationComplete')).length, 1, 'recorded once per change')
  }
)

t.test('the real "ticket status changed" delivery closes the ticket it names', async (t) => {
  const s = await e2e(t)
  // The instance already holds 4,241 (deleted) tickets, so the relay's ticket is 4242, as in the capture.
  for (let id = 1; id < 4242; id++) s.halopsa.state.data().tickets.rows.set(id, { id, deleted: true, status_id: 9 })
  const { ticket } = await openTicket(s)
  t.equal(ticket.id, 4242)
  const body = readFileSync(
    new URL('../fixtures/real/halopsa/halo-webhook-ticket-status-changed.json', import.meta.url)
  )
  const res = await request(`${s.url}/webhooks/halopsa`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${s.secrets.haloWebhookUser}:${s.secrets.haloWebhookPassword}`).toString('base64')}`
    }
  })
  await res.body.dump()
  t.equal(res.statusCode, 200)
  await s.settle()
  t.match(await audit(s, 'TicketClosed'), [{ data: { ticketId: 4242, by: 'technician', statusId: 9 } }])
})

t.test('an event-only webhook is resolved by reading the ticket', async (t) => {
  const s = await e2e(t)
  const webhook = s.relay.pushService.haloWebhookState() as { webhookId: string }
  s.halopsa.state.finishWebhook(webhook.webhookId, { payload: 'event-only' })
  const { ticket } = await openTicket(s)
  const reads = s.halopsa.state.calls.count('GET /api/Tickets/:id')
  s.halopsa.state.closeTicket(ticket.id as number)
  await waitFor(async () => (await audit(s, 'TicketClosed')).length === 1, { what: 'the close' })
  const [delivery] = s.halopsa.webhooks.deliveries()
  t.same(Object.keys(JSON.parse(String(delivery!.requestbody))).sort(), ['event', 'id', 'object_id', 'webhook_id'])
  t.match(await audit(s, 'TicketClosed'), [{ data: { ticketId: ticket.id, by: 'technician', statusId: 9 } }])
  t.ok(s.halopsa.state.calls.count('GET /api/Tickets/:id') > reads, 'the ticket was read')
})

t.test(
  'a repeat note: the outcome by name, then by id; a refused note is recorded, only a ticket gone opens another',
  async (t) => {
    const s = await e2e(t)
    const { event, ticket } = await openTicket(s)
    // This instance calls outcome 7 "Private Note": the name is refused, the stock id is not.
    s.halopsa.state.data().outcomes.get(7)!.outcome = 'Private Note'
    await repeat(s, event, '2026-11-03T10:00:00.000Z')
    t.match(
      [...s.halopsa.state.data().actions.rows.values()],
      [{ ticket_id: ticket.id, outcome_id: 7, hiddenfromuser: true }]
    )
    t.equal((await audit(s, 'TicketNoteAdded')).length, 1)

    // The API agent may not use the outcome at all: the failure is recorded, no second ticket.
    s.halopsa.state.forbidOutcome(7)
    await repeat(s, event, '2026-11-03T11:00:00.000Z')
    t.match(await audit(s, 'TicketNoteFailed'), [{ data: { ticketId: ticket.id, status: 400 } }])
    t.equal(tickets(s).length, 1, 'still one ticket')
    t.equal((await audit(s, 'TicketClosed')).length, 0)

    // The ticket is gone from HaloPSA (404): a new ticket rather than a lost alert.
    s.halopsa.state.data().tickets.rows.delete(ticket.id as number)
    await repeat(s, event, '2026-11-03T12:00:00.000Z')
    t.match(await audit(s, 'TicketClosed'), [{ data: { ticketId: ticket.id, by: 'gone' } }])
    t.equal(tickets(s).length, 1, 'a new ticket')
    t.not(tickets(s)[0]!.id, ticket.id)
  }
)

/** A creation whose answer is lost: HaloPSA creates the ticket after the relay has given up waiting. */
const lostAnswer = async (t: Test) => {
  const s = await e2e(t, {
    upstream: { timeoutMs: 300, retry: { retries: 2, minDelayMs: 20, maxDelayMs: 200, defaultRetryAfterMs: 200 } },
    ticketingRetry: { minMs: 1_000, maxMs: 2_000, giveUpAfterMs: 20_000 }
  })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', config)
  s.halopsa.faults.add({ match: 'POST /api/Tickets', latencyMs: 700, count: 1 })
  return s
}

t.test('a creation whose answer was lost is found by its marker, not created twice', async (t) => {
  const s = await lostAnswer(t)
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  await waitFor(async () => (await audit(s, 'TicketCreated')).length === 1, { timeoutMs: 15_000, what: 'the ticket' })
  t.equal(tickets(s).length, 1)
  t.match(await audit(s, 'TicketCreated'), [{ data: { ticketId: tickets(s)[0]!.id } }])
})

t.test('a lost answer that cannot be confirmed either way creates nothing more and says so', async (t) => {
  const s = await lostAnswer(t)
  // HaloPSA's ticket comes back without its third-party id: the marker can be neither found nor ruled out.
  s.halopsa.faults.add({ match: 'GET /api/Tickets/', status: 200, body: { id: 1, status_id: 1, client_id: 101 } })
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  await waitFor(async () => (await audit(s, 'TicketCreateFailed')).length === 1, {
    timeoutMs: 15_000,
    what: 'the failure'
  })
  t.match(await audit(s, 'TicketCreateFailed'), [{ data: { cause: 'unconfirmed', message: /may already exist/ } }])
  t.equal(tickets(s).length, 1, 'no second ticket')
  t.equal((await s.event('ticket-creation-failed', 'active')).length, 1, 'the operator is told')
})

t.test(
  'billing leaves a line with an automatic quantity alone and records it; an inactive item is not missing',
  async (t) => {
    const s = await e2e(t)
    const month = previousUsageMonth(usageMonth(Date.now()))
    await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 } })
    await s.map(acme, { billing: true })
    await s.map(birch, { billing: true })
    const invoice = [...s.halopsa.state.data().recurringInvoices.rows.values()].find(
      (i) => i.client_id === acme.clientId
    )!
    const line12 = (invoice.lines as Row[]).find((l) => l._itemid === 12)!
    Object.assign(line12, { recurring_invoice_quantity_type: 1, qty_order: 7 })
    s.halopsa.state.setItemInactive(13, true)

    await s.sync()
    t.equal((await s.event('halopsa-item-missing')).length, 0, 'an inactive item is still there')
    const run = (await s.api('POST', `/api/billing/run?month=${encodeURIComponent(month)}`)).body
    t.match(run, { mappings: 2, billed: 2, skipped: 0, failed: 0 })
    t.equal(line12.qty_order, 7, 'the automatic line kept its quantity')
    const billed = await audit(s, 'UsageBilled')
    const acmeLines = billed.find((f) => f.data.halopsaClientId === acme.clientId)!.data.lines as Row[]
    t.match(
      acmeLines.find((l) => l.itemId === 12),
      {
        counter: 'endpointMonthlyUsage',
        skipped: 'automatic_quantity',
        quantityType: 1,
        previousQuantity: 7
      }
    )
    t.notOk('skipped' in acmeLines.find((l) => l.itemId === 13)!, 'the manual line for the inactive item was billed')
    const birchLines = billed.find((f) => f.data.halopsaClientId === birch.clientId)!.data.lines as Row[]
    t.ok(birchLines.every((l) => !('skipped' in l)))
  }
)
