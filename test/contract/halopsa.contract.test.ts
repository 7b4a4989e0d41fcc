import t from 'tap'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import {
  haloOpenApi,
  operationFor,
  requestBodySchema,
  undocumentedParameters,
  validateAgainst
} from '../../simulators/halopsa/openapi.js'
import { customers, e2e } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * Every request the relay's HaloPSA client sends during a representative run — webhook
 * registration, the inventory poll, ticketing (create, note, auto-close, a technician's close by
 * event-only webhook), a configuration check and a billing run — checked against HaloPSA's published
 * OpenAPI description (test/fixtures/halopsa-openapi.subset.json): the operation exists, every query
 * parameter is documented for it, and every body has the documented types with no property the
 * schema lacks. Recurring-invoice lines the relay read from Halo go back as Halo sent them; only the
 * relay's own fields are held to the schema there.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]

t.test("every HaloPSA request of an end-to-end run matches Halo's published API", async (t) => {
  // The relay registers its webhook itself; an operator then finishes it (event-only payloads).
  const s = await e2e(t, { haloWebhookByHand: false })
  const webhook = s.relay.pushService.haloWebhookState() as { webhookId: string }
  s.halopsa.state.finishWebhook(webhook.webhookId, { payload: 'event-only' })
  t.match(await s.relay.pushService.checkHaloWebhook(), { status: 'complete' })

  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await s.map(acme, { ticketing: true, billing: true })
  await s.map(birch, { ticketing: true, billing: true })
  const put = await s.api('PUT', '/api/config/ticketing', {
    ticketTypeId: 3,
    priorityId: 2,
    statusId: 1,
    closedStatusName: 'Closed',
    autoCloseBlocked: true,
    modules: ['av', 'hd']
  })
  t.equal(put.status, 200)
  await s.sync()

  const event = s.gravityzone.generate('hd', birch.companyId, { variant: { blocked: false } }) as Record<
    string,
    unknown
  >
  await s.gravityzone.push.send([
    { event: event as never },
    { event: s.gravityzone.generate('av', acme.companyId, { variant: { blocked: true } }) }
  ])
  await s.settle()
  await s.gravityzone.push.send([{ event: { ...event, timestamp: '2026-11-03T10:00:00.000Z' } as never }])
  await s.settle()
  const open = [...s.halopsa.state.data().tickets.rows.values()].find((x) => x.hasbeenclosed !== true)!
  s.halopsa.state.closeTicket(open.id as number)
  await waitFor(async () => (await s.api('GET', '/api/audit?type=TicketClosed')).body.items.length === 2, {
    what: 'the auto-close and the technician close'
  })
  await s.sync()
  const month = previousUsageMonth(usageMonth(Date.now()))
  t.match((await s.api('POST', `/api/billing/run?month=${encodeURIComponent(month)}`)).body, { billed: 2 })

  const doc = haloOpenApi()
  const requests = s.halopsa.state.calls.requests().filter((r) => r.path.toLowerCase().startsWith('/api/'))
  const seen = new Set(requests.map((r) => `${r.method} ${r.route}`))
  for (const call of [
    'POST /api/Webhook',
    'GET /api/Webhook/:id',
    'POST /api/Tickets',
    'GET /api/Tickets/:id',
    'POST /api/Actions',
    'POST /api/RecurringInvoice',
    'GET /api/Priority',
    'GET /api/TicketType/:id'
  ])
    t.ok(seen.has(call), `the run exercised ${call}`)

  const problems: string[] = []
  for (const r of requests) {
    const name = `${r.method} ${r.url}`
    if (!operationFor(doc, r.method, r.path)) {
      problems.push(`${name}: not in Halo's API description`)
      continue
    }
    for (const p of undocumentedParameters(doc, r.method, r.url))
      problems.push(`${name}: parameter ${p} is not documented`)
    if (r.method !== 'POST') continue
    const schema = requestBodySchema(doc, r.method, r.path)
    if (!schema) {
      problems.push(`${name}: no documented body`)
      continue
    }
    for (const p of validateAgainst(doc, schema, r.body, {
      mode: 'strict',
      unknown: (path) => !/\.lines\[\d+\]\./.test(path)
    }))
      problems.push(`${r.method} ${r.path} ${p.path}: ${p.message}`)
  }
  t.same(problems, [], `${requests.length} requests, all as documented`)
})

t.test('the same checks refuse what the relay used to send (so the test above can fail)', async (t) => {
  const doc = haloOpenApi()
  const strict = (method: string, path: string, body: unknown) =>
    validateAgainst(doc, requestBodySchema(doc, method, path)!, body, { mode: 'strict' }).map((p) => p.path)
  t.same(
    strict('POST', '/api/Webhook', [
      { name: 'gz-halo-relay', url: 'https://relay.example/webhooks/halopsa', method: 'POST', payload_type: 1 }
    ]),
    ['[0].method']
  )
  t.same(strict('POST', '/api/Webhook', [{ events: [{ notification_id: 41, event: 'ticket status changed' }] }]), [
    '[0].events[0].notification_id',
    '[0].events[0].event'
  ])
  t.same(strict('POST', '/api/Tickets', [{ summary: 'x', client_id: 1, tickettype_id: 3, team_id: 5 }]), [
    '[0].team_id'
  ])
  t.same(undocumentedParameters(doc, 'GET', '/api/Tickets?ticketids=1,2&hasbeenclosed=true'), ['hasbeenclosed'])
})
